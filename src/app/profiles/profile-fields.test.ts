import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GENDERS, validateProfilePatch } from './profile-fields.js';

const NOW = new Date('2026-11-23T00:30:00Z');
const ok = (body: unknown) => {
  const r = validateProfilePatch(body, NOW);
  assert.ok(r.ok, `expected valid: ${JSON.stringify(r)}`);
  return r.patch;
};
const bad = (body: unknown) => {
  const r = validateProfilePatch(body, NOW);
  assert.ok(!r.ok, `expected invalid: ${JSON.stringify(body)}`);
  return r.fields;
};

test('Cyrillic names with hyphen and spaces', () => {
  assert.deepEqual(ok({ lastName: 'Иванова-Петрова', firstName: 'Анна Мария', middleName: 'Сергеевна' }), {
    lastName: 'Иванова-Петрова',
    firstName: 'Анна Мария',
    middleName: 'Сергеевна',
  });
});

test('Latin with diacritics and both apostrophes; other scripts', () => {
  assert.equal(ok({ lastName: "O'Brien" }).lastName, "O'Brien");
  assert.equal(ok({ lastName: 'D’Artagnan' }).lastName, 'D’Artagnan');
  assert.equal(ok({ firstName: 'Zoë Ångström' }).firstName, 'Zoë Ångström');
  assert.equal(ok({ firstName: 'Łukasz' }).firstName, 'Łukasz');
  assert.equal(ok({ firstName: '李' }).firstName, '李');
  assert.equal(ok({ firstName: 'देवनागरी' }).firstName, 'देवनागरी'); // vowel signs are \p{M}
  assert.equal(ok({ firstName: 'ゆい' }).firstName, 'ゆい');
});

test('combining marks are NFC-normalised and counted as one character', () => {
  const decomposed = 'Jose\u0301';
  assert.equal(ok({ firstName: decomposed }).firstName, 'José');
  assert.ok(ok({ firstName: 'e\u0301'.repeat(100) }).firstName);
});

test('names are trimmed; 1–100 characters after trimming', () => {
  assert.equal(ok({ firstName: '  Anna  ' }).firstName, 'Anna');
  assert.equal(ok({ firstName: 'A' }).firstName, 'A');
  assert.ok(ok({ firstName: 'я'.repeat(100) }).firstName);
  assert.match(bad({ firstName: 'я'.repeat(101) }).firstName!, /at most 100/);
  assert.match(bad({ firstName: '' }).firstName!, /empty/);
  assert.match(bad({ firstName: '    ' }).firstName!, /empty/);
});

test('digits, punctuation and symbols in names are refused', () => {
  for (const name of ['Anna2', 'R2-D2', 'Anna!', 'anna@mail', 'A_B', 'Ann\tA', '😀', 'Ann"a', 'A.B']) {
    assert.match(bad({ lastName: name }).lastName!, /only letters/, name);
  }
  assert.match(bad({ lastName: "-'" }).lastName!, /at least one letter/);
});

test('null clears a field; non-strings are refused', () => {
  assert.deepEqual(ok({ middleName: null, gender: null, birthDate: null }), {
    middleName: null,
    gender: null,
    birthDate: null,
  });
  assert.match(bad({ firstName: 42 }).firstName!, /string/);
  assert.match(bad({ birthDate: 19900101 }).birthDate!, /date/);
});

test('birth date: real calendar dates only', () => {
  assert.equal(ok({ birthDate: '1990-02-28' }).birthDate, '1990-02-28');
  assert.equal(ok({ birthDate: '2000-02-29' }).birthDate, '2000-02-29'); // leap year
  assert.match(bad({ birthDate: '1990-02-30' }).birthDate!, /not a calendar date/);
  assert.match(bad({ birthDate: '1900-02-29' }).birthDate!, /not a calendar date/); // 1900 is not leap
  assert.match(bad({ birthDate: '1990-13-01' }).birthDate!, /not a calendar date/);
  assert.match(bad({ birthDate: '1990-04-31' }).birthDate!, /not a calendar date/);
  assert.match(bad({ birthDate: '1990-00-10' }).birthDate!, /not a calendar date/);
  for (const s of ['1990-2-3', '03.02.1990', '1990-02-03T00:00:00Z', '', 'yesterday']) {
    assert.match(bad({ birthDate: s }).birthDate!, /YYYY-MM-DD/, s);
  }
});

test('birth date: not before 1900, not in the future', () => {
  assert.equal(ok({ birthDate: '1900-01-01' }).birthDate, '1900-01-01');
  assert.match(bad({ birthDate: '1899-12-31' }).birthDate!, /before 1900-01-01/);
  assert.equal(ok({ birthDate: '2026-11-23' }).birthDate, '2026-11-23'); // today
  assert.match(bad({ birthDate: '2026-11-25' }).birthDate!, /future/);
  assert.match(bad({ birthDate: '2100-01-01' }).birthDate!, /future/);
});

test('gender: the fixed set only', () => {
  for (const g of GENDERS) assert.equal(ok({ gender: g }).gender, g);
  for (const g of ['Female', 'f', 'robot', '', 1]) assert.match(bad({ gender: g }).gender!, /one of/);
});

test('empty body, no body, wrong shape, unknown fields', () => {
  assert.match(bad({}).body!, /nothing to change/);
  assert.match(bad(undefined).body!, /JSON object/);
  assert.match(bad(null).body!, /JSON object/);
  assert.match(bad([]).body!, /JSON object/);
  assert.match(bad('Anna').body!, /JSON object/);
  assert.match(bad({ nickname: 'x' }).nickname!, /not a profile field/);
});

test('every bad field gets its own message at once', () => {
  const fields = bad({
    lastName: 'X1',
    firstName: '',
    gender: 'x',
    birthDate: '2001-02-30',
    middleName: 'Ok',
  });
  assert.deepEqual(Object.keys(fields).sort(), ['birthDate', 'firstName', 'gender', 'lastName']);
});

test('a "__proto__" key, as JSON.parse keeps it, is an unknown field like any other', () => {
  const fields = bad(JSON.parse('{"firstName": "Ann", "__proto__": {"lastName": "X"}}'));
  assert.deepEqual(Object.keys(fields), ['__proto__']);
  assert.match(fields['__proto__']!, /not a profile field/);
});
