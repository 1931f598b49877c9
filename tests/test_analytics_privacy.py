"""What the lookup log keeps of a person: a keyed hash for the id, masked text for the query."""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot.analytics.named_secrets as keyed_module
from bot.analytics import shaped_secrets
from bot.analytics.named_secrets import names_secret
from bot.analytics.privacy import (
    NAME_STEMS,
    mask,
    mask_message,
    mask_query,
    may_hold_secrets,
    one_line,
    plain_text,
    user_key,
)
from bot.analytics.shaped_secrets import iban_valid
from bot.core.numbers import luhn


@pytest.mark.parametrize(
    "text",
    [
        "notificore 21 41 61 24",
        "notificore 21 41 61 24 35 11",
        "gosms 1004",
        "gosms 88-89",
        "2024-05-01 12:30 error_code=10005",
        '{"error":"40"}',
        "error 35 (401) 2 3",
        "Authorization_Bearer_Token_missing",
        "радист 17002",
        '{"error":"40","code": 1004,"status":"failed","message":"Invalid api key"}',
        '{"error_code":"10005","description":"token expired","token_type":"bearer"}',
        "gosms error_code=10005&status=failed",
        "radist INVALID_TOKEN: token expired",
        "ERROR_WRONG_PASSWORD: wrong password",
        "password is wrong",
        "пароль — неверный",
        "the token is invalid",
        "Bearer token missing",
        "basic auth fails",
        "error id 1004",
        "invalid token error code: 1003",
        "password reset: 1003",
        "version 1.2.3 at 10.0.0.1",
        # An error's code after a secret's name and a colon, and one after "code" alone.
        "Ошибка токена: 1003",
        "помилка токена: 1003",
        "invalid token: 1003",
        "gosms code 1004",
        "error code 35",
        "не приходит код из смс gosms 1004",
        "verification code 12",
        # A label without a secret, markup naming a field, an IP address, another command's -u.
        "token for gosms v2 fails",
        "the <password> field is empty gosms 1004",
        "request from 192.168.100.200 gosms 1004",
        "sudo -u root gosms 1004",
        "ошибка № 5",
    ],
)
def test_error_codes_dates_and_words_survive_masking(text: str) -> None:
    assert mask_query(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+7 999 123-45-67", "<phone>"),
        ("89991234567", "<phone>"),
        ("+380 (44) 123 45 67", "<phone>"),
        ("79929999999", "<phone>"),
        ("8 (999) 123-45-67", "<phone>"),
        ("(495) 123-45-67", "<phone>"),
        ("555-123-4567", "<phone>"),
        ("call 8 999 123 45 67 please", "call <phone> please"),
        ("gosms 1004 for +79991234567", "gosms 1004 for <phone>"),
        ("радист 17002 +7 (912) 345-67-89", "радист 17002 <phone>"),
    ],
)
def test_phone_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_query(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("write to ivan.petrov+sms@mail.example.ru now", "write to <email> now"),
        (
            "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U failed",
            "token <token> failed",
        ),
        ("gosms 1004 key sk_live_4eC39HqLyjWDarjtT1zdp7dc", "gosms 1004 key <token>"),
        ("hash 9f86d081884c7d659a2feaa0c55ad015", "hash <token>"),
    ],
)
def test_emails_and_long_tokens_are_masked(text: str, masked: str) -> None:
    assert mask_query(text) == masked


def test_a_long_query_is_cut_to_200_characters_after_masking() -> None:
    assert mask_query("x" * 500) == "x" * 200
    # Masking first: a phone that straddles the cut is gone, not left half visible.
    masked = mask_query("z" * 190 + " +7 999 123-45-67")
    assert masked == "z" * 190 + " <phone>"


def test_the_same_id_gives_the_same_key_and_another_secret_another() -> None:
    key = user_key(b"one secret", 123456789)
    assert key == user_key(b"one secret", 123456789)
    assert isinstance(key, int) and -(2**63) <= key < 2**63  # SQLite's INTEGER
    assert key != user_key(b"another secret", 123456789)
    assert key != user_key(b"one secret", 123456780)
    assert key != 123456789


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("card 4111 1111 1111 1111 declined", "card <card> declined"),
        ("4111-1111-1111-1111", "<card>"),
        ("5500 0000 0000 0004", "<card>"),
        ("password: hunter2", "password: <secret>"),
        ("Password=Tr0ub4dor&3 gosms 1004", "Password=<secret> gosms 1004"),
        ("пароль: сонечко", "пароль: <secret>"),
        ("мой пароль qwerty123", "мой пароль <secret>"),
        ("api key 9f3kQ2 not accepted", "api key <secret> not accepted"),
        ("токен=abcdef", "токен=<secret>"),
        ("pin 4821", "pin <secret>"),
        ("пишите @ivan_petrov или t.me/ivan_petrov", "пишите <username> или <username>"),
        ("паспорт 4510 123456", "паспорт <id>"),
        ("паспорт АА123456", "паспорт <id>"),
        ("passport AB1234567", "passport <id>"),
        ("id card 123456789", "id card <id>"),
        ("gosms\x00 1004\u202e", "gosms 1004"),
        ("line one\nline two", "line one line two"),
    ],
)
def test_secrets_in_every_form_are_masked(text: str, masked: str) -> None:
    assert mask_query(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "radist 2fa password too many attempts",
        "gosms token 1003",
        "invalid token error",
        "notificore 21 41 61 24 35 11 12",  # seven codes, not a card
        "4111 1111 1111 1112",  # fails the Luhn check: not a card
        "gupshup 131047",
        "radist MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPS",
        "токен высокопроизводительного сервера",  # a long word, but a word
        "radist 2fa 1004",  # the feature, and an error's code
    ],
)
def test_questions_that_only_look_secret_survive(text: str) -> None:
    assert mask_query(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # The issue's own: a pasted JSON response.
        (
            '{"login":"anna","password":"hunter2xyz"} gosms 1004',
            '{"login":"<secret>","password":"<secret>"} gosms 1004',
        ),
        ('{"token": "abc123def"}', '{"token": "<secret>"}'),
        ('{"api_key":"abc"}', '{"api_key":"<secret>"}'),
        # Quoted with spaces is masked whole; single quotes, spaces around the colon, no quotes.
        ('"password" : "x y" gosms 1004', '"password" : "<secret>" gosms 1004'),
        ("{'password': 'hunter 2'}", "{'password': '<secret>'}"),
        ("password: x", "password: <secret>"),
        ("login: anna\npassword: hunter2", "login: <secret> password: <secret>"),
        ('{"pin":1234,"code":1004}', '{"pin":<secret>,"code":1004}'),
        ('{\\"password\\":\\"hunter 2\\"}', '{\\"password\\":\\"<secret>\\"}'),
        ('{"message":"password: abc"}', '{"message":"password: <secret>"}'),
        ('password="unclosed and more', 'password="<secret>'),
        (':password => "x"', ':password => "<secret>"'),
        ("password: basic gosms 1004", "password: <secret> gosms 1004"),
        # Query strings, plain and URL-encoded; a password with & in it outside one.
        (
            "https://sms.example/send?api_key=abc&password=def&to=1004",
            "https://sms.example/send?api_key=<secret>&password=<secret>&to=1004",
        ),
        ("?access_token=a1&refresh_token=b2", "?access_token=<secret>&refresh_token=<secret>"),
        ("%7B%22password%22%3A%22hunter%202%22%7D", '{"password":"<secret>"}'),
        ("send?pass%77ord%3Dhunter2", "send?password=<secret>"),
        ("Password=Tr0ub4dor&3 gosms 1004", "Password=<secret> gosms 1004"),
        # Headers, of any length.
        ("Authorization: Bearer abc gosms 1004", "Authorization: Bearer <secret> gosms 1004"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic <secret>"),
        ('"Authorization": "Bearer ab cd"', '"Authorization": "<secret>"'),
        ("X-Api-Key: k1 X-Auth-Token: zz", "X-Api-Key: <secret> X-Auth-Token: <secret>"),
        ("Cookie: sid=abc; theme=dark gosms 1004", "Cookie: <secret> gosms 1004"),
        ("Set-Cookie: sid=abc; Path=/; HttpOnly", "Set-Cookie: <secret>"),
        # Secret-named keys however they are spelled; environment variables; command lines.
        (
            "client_secret=a private_key=b secret_key=c passwd=d apiKey: e",
            "client_secret=<secret> private_key=<secret> secret_key=<secret> passwd=<secret> "
            "apiKey: <secret>",
        ),
        ("SMS_API_KEY=abc123 SMS_PASSWORD=hunter", "SMS_API_KEY=<secret> SMS_PASSWORD=<secret>"),
        ("--password hunter2 --client-secret=abc", "--password <secret> --client-secret=<secret>"),
        ('{"пароль":"сонечко","гасло":"квітка"}', '{"пароль":"<secret>","гасло":"<secret>"}'),
    ],
)
def test_secret_named_keys_are_masked_whatever_the_quoting(text: str, masked: str) -> None:
    assert mask_query(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("card 4111.1111.1111.1111.", "card <card>."),
        ("Bearer abc123", "Bearer <secret>"),
        ("(bearer qwerty)", "(bearer <secret>)"),
        ("join t.me/+AbCdEf123 please", "join <invite> please"),
        ("https://t.me/joinchat/AAAAAEHbK2xm", "<invite>"),
        ("tg://join?invite=AbCdEf12", "<invite>"),
        ("password is hunter2", "password is <secret>"),
        ("my password is qwerty.", "my password is <secret>."),
        ("пароль — сонечко", "пароль — <secret>"),
        ("мій пароль це сонечко", "мій пароль це <secret>"),
        ("гасло: квітка", "гасло: <secret>"),
        ("токен abc123 не працює", "токен <secret> не працює"),
        ("ключ: abc", "ключ: <secret>"),
        ("пароль от личного кабинета: qwerty", "пароль от личного кабинета: <secret>"),
        ("токен бота: abc", "токен бота: <secret>"),
        ("код доступу 1234", "код доступу <secret>"),
        ("PIN code 4821", "PIN code <secret>"),
        ("ID 123-456-789", "ID <id>"),
        ("id123 45 67", "id<id>"),
        ("ИНН 7707083893", "ИНН <id>"),
        ("ІПН: 1234567890", "ІПН: <id>"),
        ("CVV 123", "CVV <secret>"),
        ("CVC2: 1234", "CVC2: <secret>"),
        ("cvv2 123 gosms 1004", "cvv2 <secret> gosms 1004"),
    ],
)
def test_the_forms_that_slipped_through_are_masked(text: str, masked: str) -> None:
    assert mask_query(text) == masked


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("X-Api-Key", True),
        ("apiKey", True),
        ("ACCESS_TOKEN", True),
        ("accesstoken", True),
        ("client_secret", True),
        ("Authorization", True),
        ("cvv2", True),
        ("error", False),
        ("error_code", False),
        ("code", False),
        ("status", False),
        ("message", False),
        ("token_type", False),
        ("password_expired", False),
        ("INVALID_TOKEN", False),
        ("MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPS", False),
        ("keyword", False),
    ],
)
def test_which_keys_hold_a_secret(key: str, secret: bool) -> None:
    assert names_secret(key) is secret


# --- what an attacker stored unmasked after the first round (issue 15) -------------------------


@pytest.mark.parametrize("text", ["код из смс «482 193»", "OTP ➜ 482 193", "otp: «482-193»"])
def test_no_group_of_a_quoted_or_pointed_at_one_time_code_is_kept(text: str) -> None:
    """(A fourth attack: "OTP ➜ 123 456" kept "123 456", the arrow taken for the value.)"""
    for kept in (mask_query(text), mask_message(text) or ""):
        assert "482" not in kept and "193" not in kept


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # XML and SOAP: an element named by its tag or by its name attribute, and attributes.
        (
            "<password>hunter2xyzSECRET</password> gosms 1004",
            "<password><secret></password> gosms 1004",
        ),
        (
            '<string name="password">hunter2xyzSECRET</string>',
            '<string name="password"><secret></string>',
        ),
        (
            '<user login="anna" password="hunter2xyzSECRET"/>',
            '<user login="<secret>" password="<secret>"/>',
        ),
        (
            "<api_key>9f3kab</api_key> <token>9f3kab</token>",
            "<api_key><secret></api_key> <token><secret></token>",
        ),
        (
            '<wsse:Password Type="#PasswordText">hunter 2</wsse:Password>',
            '<wsse:Password Type="#PasswordText"><secret></wsse:Password>',
        ),
        ("<psw><![CDATA[hunter 2]]></psw>", "<psw><secret></psw>"),
        (
            '<param name="password" value="hunter2"/>gosms 1004',
            '<param name="password" value="<secret>"/>gosms 1004',
        ),
        # curl's user:password, a URL's, a header in quotes.
        (
            "curl -u anna:hunter2xyzSECRET https://sms.example/send",
            "curl -u <secret> https://sms.example/send",
        ),
        ("curl --user anna:hunter2xyzSECRET https://x", "curl --user <secret> https://x"),
        ("curl -u 'anna:hunter 2' https://x", "curl -u '<secret>' https://x"),
        ("https://anna:hunter2@sms.example/send", "https://<secret>@sms.example/send"),
        ("https://anna:p@ss@sms.example.com/x", "https://<secret>@sms.example.com/x"),
        ("curl -H 'X-Api-Key: 9f3kab' https://x", "curl -H 'X-Api-Key: <secret>' https://x"),
        # The parameter names providers use.
        (
            "https://smsc.ru/sys/send.php?login=anna&psw=hunter2&phones=1",
            "https://smsc.ru/sys/send.php?login=<secret>&psw=<secret>&phones=1",
        ),
        (
            "pw=a1 pass=b2 passwd=c3 apikey=d4",
            "pw=<secret> pass=<secret> passwd=<secret> apikey=<secret>",
        ),
        ("api_id=1234-5678 access_token=e5", "api_id=<secret> access_token=<secret>"),
        (
            "AccountSid=AC1 AuthToken=f6 auth_token=g7",
            "AccountSid=<secret> AuthToken=<secret> auth_token=<secret>",
        ),
        ('{"sid": "AC1", "token": "h8"}', '{"sid": "<secret>", "token": "<secret>"}'),
        (
            "sessionid=i9 PHPSESSID=j1 gosms 1004",
            "sessionid=<secret> PHPSESSID=<secret> gosms 1004",
        ),
        ("JSESSIONID=k2", "JSESSIONID=<secret>"),
        # Every item of a secret-named array or object, the JSON left readable.
        ('{"auth":["anna","hunter2xyzSECRET"]}', '{"auth":["<secret>","<secret>"]}'),
        ('{"auth": ["anna", "hunter2"', '{"auth": ["<secret>", "<secret>"'),
        (
            '{"auth":{"user":"anna","pass":"x"}} gosms 1004',
            '{"auth":{"user":"<secret>","pass":"<secret>"}} gosms 1004',
        ),
        ("password: [a1, b2] gosms 1004", "password: [<secret>, <secret>] gosms 1004"),
        # YAML block values: what the lines below hold.
        ("password: |\n  hunter2xyz", "password: <secret>"),
        ("password: |\n  hunter2xyz\ngosms 1004", "password: <secret> gosms 1004"),
        ("auth:\n  - anna\n  - hunter2\ngosms 1004", "auth: <secret> gosms 1004"),
        (
            "sms:\n  password: >-\n    correct horse\n    battery\n  user: bob\ngosms 1004",
            "sms: password: <secret> user: bob gosms 1004",
        ),
        ("gosms 1004 password: | hunter2xyz", "gosms 1004 password: <secret>"),
        # A name, a short label, the secret.
        ("пароль від кабінету hunter2", "пароль від кабінету <secret>"),
        ("Пароль від кабінету — кошеня", "Пароль від кабінету — <secret>"),
        ("ключ API 9f3kab", "ключ API <secret>"),
        ("токен бота 9f3kab12", "токен бота <secret>"),
        ("password for my account Hunter2", "password for my account <secret>"),
        ("пароль от почты это Qwerty12 gosms 1004", "пароль от почты это <secret> gosms 1004"),
        # A passphrase: three words or more.
        ("password: correct horse battery staple", "password: <secret>"),
        ("my password is purple monkey dishwasher lamp.", "my password is <secret>."),
        ("пароль: синій кіт спить error 1004", "пароль: <secret> error 1004"),
        ("password: basic gosms 1004", "password: <secret> gosms 1004"),
        # Numbers: a phone with dots, spaced IBANs, a passport's series and number, one-time codes.
        ("call 202.555.0143 please", "call <phone> please"),
        ("UA21 3223 1300 0002 6007 2335 6600 1", "<iban>"),
        ("DE89 3704 0044 0532 0130 00 gosms 1004", "<iban> gosms 1004"),
        ("GB29NWBK60161331926819", "<iban>"),
        ("паспорт серия 4510 номер 123456", "паспорт серия <id> номер <id>"),
        ("серія АА номер 123456", "серія <id> номер <id>"),
        ("номер паспорта 123456", "номер паспорта <id>"),
        ("OTP 482193", "OTP <secret>"),
        ("sms code 482193", "sms code <secret>"),
        ("код из смс 482193", "код из смс <secret>"),
        ("код з смс: 4821", "код з смс: <secret>"),
        ("код подтверждения 48219", "код подтверждения <secret>"),
        # Compatibility forms fold before the masks look, and the stored text reads as typed.
        ("anna＠example.com", "<email>"),
        ("ПАРОЛЬ：hunter2", "ПАРОЛЬ:<secret>"),
        ("ｇｏｓｍｓ　１００４ ｔｏｋｅｎ：ab1", "gosms 1004 token:<secret>"),
        ("𝐩𝐚𝐬𝐬𝐰𝐨𝐫𝐝 is hunter2", "password is <secret>"),
        # A value that only starts like a mask is no mask.
        ("password: <hunter2>", "password: <secret>"),
        # Found by the fifth attack of 2026-12-07: the name misspelt without its soft sign, a token
        # of letters alone (no word of a sentence is that long).
        ("парол qwerty123", "парол <secret>"),
        ("мой парол qwerty", "мой парол <secret>"),
        ("gosms token abcdefghijklmnopqrstuvwx", "gosms token <secret>"),
        ("api key abcdefghijklmnopqrstuvwxyz", "api key <secret>"),
        ("токен abcdefghijklmnopqrstu", "токен <secret>"),  # 21 letters
        # ...after a name of two words too (a fourth attack).
        ("ключ доступа abcdefghijklmnopqrstuv", "ключ доступа <secret>"),
        ("токен доступу abcdefghijklmnopqrstuv", "токен доступу <secret>"),
        ("2FA 482193", "2FA <secret>"),
        ("2fa code 4821", "2fa code <secret>"),  # (its name the longer one, as before "2fa")
        ("mfa: 482193", "mfa: <secret>"),
        # A one-time code spaced or dashed as apps show it (its first three digits were taken
        # for an error's code, the rest left: an attack); an error's code after it stays.
        ("mfa 123 456", "mfa <secret>"),
        ("код из смс 482-193 не подходит", "код из смс <secret> не подходит"),
        ("OTP is 482 193.", "OTP is <secret>."),
        # ...after a mark that makes it a key's value, a label, an arrow; before an error's
        # code; in groups of two (a second attack). Two codes after the name go with it.
        ("OTP: 482 193", "OTP: <secret>"),
        ("OTP=482 193", "OTP=<secret>"),
        ("otp (482 193)", "otp (<secret>)"),
        ("otp code 482 193", "otp code <secret>"),
        ("otp -> 482 193", "otp -> <secret>"),
        ("otp is: 482 193", "otp is: <secret>"),
        ("OTP 482 193 error 1004", "OTP <secret> error 1004"),
        ("код из смс 482 193 ошибка", "код из смс <secret> ошибка"),
        ("code from sms 48 21 93", "code from sms <secret>"),
        ("код из смс 48-21-93", "код из смс <secret>"),
        ("gosms otp 100 200 error", "gosms otp <secret> error"),
        # ...after "was", a comma, "-код"; a PIN's (a third attack); groups of two lengths, a
        # code typed with a stray space (a fourth: they leaked while taken for two codes).
        ("my OTP was 482 193", "my OTP was <secret>"),
        ("OTP, 482 193", "OTP, <secret>"),
        ("OTP-код 482 193", "OTP-код <secret>"),
        ("pin 48 21", "pin <secret>"),
        ("otp 48 219", "otp <secret>"),
        # ...quoted, after an arrow, with a spaced dash between; a PIN code's (a fourth attack).
        ('код из смс "482 193"', 'код из смс "<secret>"'),
        ("otp 123 – 456", "otp <secret>"),
        ("pincode 12 34", "pincode <secret>"),
        ("sms code 123 4567", "sms code <secret>"),
        ("код из смс 1234 56", "код из смс <secret>"),
        # ...a group of one digit, a backup code's twelve digits, a second code after the
        # first; digits after an arrow (stored whole); a code in «» (its « lost: a fifth attack).
        ("otp 4 821 93", "otp <secret>"),
        ("otp 1234 5678 9012", "otp <secret>"),
        ("otp 12 34 56 78 90", "otp <secret>"),
        ("otp 482 193 и 555 666", "otp <secret> и <secret>"),
        ("otp 482 193, 555666 gosms 1004", "otp <secret>, <secret> gosms 1004"),
        ("otp -> 482193", "otp -> <secret>"),
        ("otp ➜ 482193 ➜ ok", "otp ➜ <secret> ➜ ok"),
        ("password ➡ 123456", "password ➡ <secret>"),
        ("otp: «482 193»", "otp: «<secret>»"),
        ("password: «Hunter2»", "password: «<secret>»"),
        ("otp 1 2", "otp 1 2"),  # too few digits for a code
        # ...a phone's arrow emoji, other arrows and marks (each masked in the code's place,
        # the code stored); codes after a solid first one, after a word, in quotes; a chat's
        # formatting; a password's digits in groups; quoted phrases; backup codes; more names
        # (a sixth attack).
        ("otp ➡️ 482193", "otp ➡ <secret>"),
        ("otp 👉 482193", "otp 👉 <secret>"),
        ("otp > 482193", "otp > <secret>"),
        ("otp --> 482193", "otp --> <secret>"),
        ("otp ==> 482193", "otp ==> <secret>"),
        ("otp № 482193", "otp № <secret>"),
        ("otp 482193 и 555666", "otp <secret> и <secret>"),
        ("pin 4821, 5566", "pin <secret>, <secret>"),
        ("otp 482193; 555666, 777888", "otp <secret>; <secret>, <secret>"),
        ("otp → 482193 → 555666", "otp → <secret> → <secret>"),
        ("otp 482 193 а потом 555 666", "otp <secret> а потом <secret>"),
        ("otp 482 193 и код 555 666", "otp <secret> и код <secret>"),
        ("otp «482193» и «555666»", "otp «<secret>» и «<secret>»"),
        ("otp: **482 193**", "otp: <secret>"),
        ("otp: `482 193`", "otp: <secret>"),
        ("otp #482 193", "otp <secret>"),
        ("пароль → 1234 5678", "пароль → <secret>"),
        ("пароль: „my secret phrase“", "пароль: „<secret>“"),
        ("пароль - «my secret phrase»", "пароль - «<secret>»"),
        ("recovery code: 1234-5678-9012", "recovery code: <secret>"),
        ("2fa backup codes 1234 5678 9012 3456", "2fa backup codes <secret>"),
        ("резервный код 1234 5678 9012", "резервный код <secret>"),
        ("totp 482193", "totp <secret>"),
        ("google authenticator: 482193", "google authenticator: <secret>"),
        ("код в смс 482193", "код в смс <secret>"),
        ("одноразовый пароль 482 193", "одноразовый пароль <secret>"),
        ("otp 1 2 3 4 5 6 7 8", "otp <secret>"),
        # ...but an error's code after an arrow and a token's name stays, as after a space; and
        # a feature's name with a short code after it asks about an error.
        ("api token → 401", "api token → 401"),
        ("radist 2fa 1004", "radist 2fa 1004"),
        ("otp 1004 error", "otp 1004 error"),
        # A password's digits after an arrow, as after a colon (four were kept: the mending's
        # attack); a list of backup codes (read as a card's number and a code); codes after a
        # spaced dash, after words, in parentheses; a code before its name said to be one; a
        # verb before the code. An error's word before the name asks about an error, and one
        # between two codes keeps the second.
        ("пароль → 4821", "пароль → <secret>"),
        ("backup codes: 1234-5678 2345-6789 3456-7890", "backup codes: <secret>"),
        ("otp 482193 - 551234", "otp <secret> - <secret>"),
        ("otp 482193 and then 551234", "otp <secret> and then <secret>"),
        ("otp: 482193 (или 551234)", "otp: <secret> (или <secret>)"),
        ("otp: 482193 / новый: 551234", "otp: <secret> / новый: <secret>"),
        ("482193 — мой код из смс", "<secret> — мой код из смс"),
        ("482193 is my otp", "<secret> is my otp"),
        ("4821 это мой пин-код", "<secret> это мой пин-код"),
        ("код в смс пришёл 482193", "код в смс пришёл <secret>"),
        ("ошибка otp 1004", "ошибка otp 1004"),
        ("otp 482193 не подходит, ошибка 1004", "otp <secret> не подходит, ошибка 1004"),
        ("gosms 1004 - otp не приходит", "gosms 1004 - otp не приходит"),
        # The third attack on the round's masking: six digits before an error's word are the
        # code; a period, "the", a dash alone before six digits; more names; codes after a
        # space alone, of six digits or more.
        ("otp 482193 ошибка 1004", "otp <secret> ошибка 1004"),
        ("OTP 482193. Новый 551234", "OTP <secret>. Новый <secret>"),
        ("482193 — код из смс", "<secret> — код из смс"),
        ("482193 is the otp", "<secret> is the otp"),
        ("код из SMS-ки 482193", "код из SMS-ки <secret>"),
        ("код для входа 482193", "код для входа <secret>"),
        ("пинкод 1234", "пинкод <secret>"),
        ("recovery codes: 12345678 23456789", "recovery codes: <secret> <secret>"),
        ("otp 482193 551234", "otp <secret> <secret>"),
        # ...and what is no second code stays: an error's code or a year after a space alone,
        # after "код" or a word that is no joiner, a count, a date, a card, a phone.
        ("otp 482193 1004", "otp <secret> 1004"),
        ("otp 482193, код 1004", "otp <secret>, код 1004"),
        ("otp 482193 version 2024", "otp <secret> version 2024"),
        (
            "smsc ошибка 1004 при отправке otp, пришло 1500 смс",
            "smsc ошибка 1004 при отправке otp, пришло 1500 смс",
        ),
        ("otp 482193 пришёл 12.05", "otp <secret> пришёл 12.05"),
        ("otp пришёл 12.05.2024 в 14:30", "otp пришёл 12.05.2024 в 14:30"),
        ("pin 1234, карта 4111 1111 1111 1111", "pin <secret>, карта <card>"),
        ("otp 482193, мой телефон 8 800 555 35 35", "otp <secret>, мой телефон <phone>"),
        # The fourth: six digits after an error's word and the name are the code (the round's
        # own rule had let them through); nine groups; a password's groups with no mark; six
        # digits in groups after a bare "code", or before "my code"; "authenticator" alone.
        ("ошибка otp 482193", "ошибка otp <secret>"),
        ("Error! OTP 482 193 invalid", "Error! OTP <secret> invalid"),
        ("код из смс 4 8 2 1 9 3 0 0 1", "код из смс <secret>"),
        ("пароль 4821 9374", "пароль <secret>"),
        ("code 48 21 93", "code <secret>"),
        ("the code is 482 193", "the code is <secret>"),
        ("482193 is my code", "<secret> is my code"),
        ("authenticator 123 456", "authenticator <secret>"),
        # ...and what stays: a code an error's word follows, a year, two codes after a bare
        # "код", a code before "otp error".
        ("otp 482193 и 1004 ошибка", "otp <secret> и 1004 ошибка"),
        ("otp 482193 и 2024", "otp <secret> и 2024"),
        ("код 1004 1005", "код 1004 1005"),
        ("1004 is my otp error", "1004 is my otp error"),
        # The sixth: "token" between the name and the code; a password's groups after a dash;
        # a code in groups or in formatting before its name; "код по смс"; four digits and two
        # after a bare "code" (the cheap look skipped them); a date with dashes stays.
        ("TOTP token 482193", "TOTP token <secret>"),
        ("пароль — 4821 5678", "пароль — <secret>"),
        ("482 193 is my code", "<secret> is my code"),
        ("**482193** — мой код из смс", "**<secret>** — мой код из смс"),
        ("код по смс 482193", "код по смс <secret>"),
        ("code: 4821 93", "code: <secret>"),
        ("пароль 12-05-2024 истёк", "пароль 12-05-2024 истёк"),
        ("код 25-12-24", "код 25-12-24"),
        # Services' SMS as people paste them (stored whole).
        ("Ваш код 4821. Никому не сообщайте", "Ваш код <secret>. Никому не сообщайте"),
        ("ВТБ: Никому не сообщайте этот код: 4821", "ВТБ: Никому не сообщайте этот код: <secret>"),
        ("Код 4821 действителен 5 минут", "Код <secret> действителен 5 минут"),
        (
            "Kaspi.kz: Kod 4821. Nikomu ne soobshchayte",
            "Kaspi.kz: Kod <secret>. Nikomu ne soobshchayte",
        ),
        ("Tasdiqlash kodi: 482193", "Tasdiqlash kodi: <secret>"),
        ("Код активации 482193", "Код активации <secret>"),
        ("код пришел 482193 но не подходит", "код пришел <secret> но не подходит"),
        ("коды 482193 не подходят", "коды <secret> не подходят"),
        # ...but "your code" asked of support is its error code (the round's own rule took it
        # for a one-time code's name: the last attack).
        ("Your Apple ID Code is: 482193", "Your Apple ID Code is: <secret>"),
        ("Use 482193 to verify your account", "Use <secret> to verify your account"),
        ("Введите 4821 для входа", "Введите <secret> для входа"),
        (
            "FB-48219 is your Facebook confirmation code",
            "FB-<secret> is your Facebook confirmation code",
        ),
        ("ваш код 1004 что означает?", "ваш код 1004 что означает?"),
        ("what does your code 1004 mean", "what does your code 1004 mean"),
        ("Введите код 4821", "Введите код <secret>"),
        ("Telegram code 48219", "Telegram code <secret>"),
        (
            "G-482193 is your Google verification code",
            "G-<secret> is your Google verification code",
        ),
        ("Ваш код для регистрации: 4821", "Ваш код для регистрации: <secret>"),
        ("1004 is the gosms error", "1004 is the gosms error"),
    ],
)
def test_the_forms_the_attacker_found_are_masked(text: str, masked: str) -> None:
    assert mask_query(text) == masked


# The last round's leftovers: a code later in a sentence that names a one-time code, whatever
# words stand between; a Steam Guard code's letters; Uzbek and Kazakh names.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "otp 482193 а потом ещё один пришёл 551234",
            "otp <secret> а потом ещё один пришёл <secret>",
        ),
        ("authenticator app shows 482193", "authenticator app shows <secret>"),
        ("Google Authenticator показывает 482193", "Google Authenticator показывает <secret>"),
        (
            "код из смс не приходит, пришёл только 482193",
            "код из смс не приходит, пришёл только <secret>",
        ),
        (
            "OTP for txn of INR 500.00 at AMAZON on card XX1234 is 482193. Do not share it.",
            "OTP for txn of INR 500.00 at AMAZON on card XX1234 is <secret>. Do not share it.",
        ),
        ("коды 482193 и 551234 не подходят", "коды <secret> и <secret> не подходят"),
        ("мне пришли коды 482193 551234", "мне пришли коды <secret> <secret>"),
        ("backup codes: 1. 48219374 2. 55123490", "backup codes: 1. <secret> 2. <secret>"),
        ("код 2фа 482193", "код 2фа <secret>"),
        ("в смс было 482193", "в смс было <secret>"),
        (
            "OTP for txn of Rs. 500.00 at AMAZON is 482193. Do not share",
            "OTP for txn of Rs. 500.00 at AMAZON is <secret>. Do not share",
        ),
        (
            "Google Authenticator выдаёт 482193, а сайт пишет неверный код",
            "Google Authenticator выдаёт <secret>, а сайт пишет неверный код",
        ),
        (
            "Privat24: Код підтвердження операції на 1500 грн: 482193. Нікому не повідомляйте!",
            "Privat24: Код підтвердження операції на 1500 грн: <secret>. Нікому не повідомляйте!",
        ),
        ("Backup codes: 1) 48219374 2) 55123488", "Backup codes: 1) <secret> 2) <secret>"),
        (
            "OTP пришли два: 482193 и 551234, ни один не подходит",
            "OTP пришли два: <secret> и <secret>, ни один не подходит",
        ),
        (
            "Мне пришла смс с кодом 482193, а сайт пишет неверный",
            "Мне пришла смс с кодом <secret>, а сайт пишет неверный",
        ),
        ("OTP пришёл 👇 482193", "OTP пришёл 👇 <secret>"),
        (
            'Authenticator shows "482193" but site says wrong',
            'Authenticator shows "<secret>" but site says wrong',
        ),
        ("Ошибка: OTP пришёл, ввёл 482193", "Ошибка: OTP пришёл, ввёл <secret>"),
        (
            "OTP for payment of Rs. 1500 at FLIPKART: 482193",
            "OTP for payment of Rs. 1500 at FLIPKART: <secret>",
        ),
        ("the text said 482193 but it is rejected", "the text said <secret> but it is rejected"),
        ("Steam Guard code: F7K2Q", "Steam Guard code: <secret>"),
        ("Your Steam Guard code is F7K2Q", "Your Steam Guard code is <secret>"),
        ("Sizning kodingiz: 482193", "Sizning kodingiz: <secret>"),
        ("Сіздің кодыңыз 482193", "Сіздің кодыңыз <secret>"),
        ("Parolingiz: Qwerty123", "Parolingiz: <secret>"),
        ("Tasdiqlash kodi keldi 482193", "Tasdiqlash kodi keldi <secret>"),
        ("OTP келді 482193", "OTP келді <secret>"),
        ("OTP kiritdim 482193 lekin xato", "OTP kiritdim <secret> lekin xato"),
        ("OTP keldi 154321 ta abonentga", None),  # (a count: Uzbek, Kazakh units)
        ("OTP келді 154321 рет", None),
        ("sms kod xato: 400123", None),
        ("sms kod 1004 xato", None),  # (an error's word in Uzbek: the code is an error's)
        ("OTP қате 1004", None),
        ("Құпия сөз: Qwerty123", "Құпия сөз: <secret>"),
        # ...but not an error's code, a phone, a date, a count, an order's or a campaign's
        # number, nor a code in the next sentence.
        ("отправляем otp через gupshup, ошибка 131047", None),
        ("gupshup otp шаблон не уходит, пишет 131047", None),
        ("otp template fails with 131047", None),
        ("otp не доходят, кампания 482193 висит", None),
        ("otp пришел 12.05.2024 в 10:15, заказ 482193", None),
        (
            "otp 482193 не подходит. Кампания 551234 тоже висит",
            "otp <secret> не подходит. Кампания 551234 тоже висит",
        ),
        ("2fa включена, отправили 150000 смс", None),
        ("otp не приходит, 131047 error", None),
        ("в смс пишет ошибка 131047", None),
        # (the attack on a first version, which took every number after the name)
        ("WhatsApp OTP template rejected 131047", None),
        ("OTP не доходит, в логах 131026", None),
        ("Мы шлём OTP, баланс 150000 тенге", None),
        ("OTP не приходит, обращение 482193", None),
        ("We send OTP, our sender id is 482193", None),
        ("OTP sent count: 482193", None),
        ("2FA enabled since 20230115", None),
        # (and the attack on the second: Meta's codes said as given, a label's colon, an id)
        ("У нас OTP через Gupshup, пришла 131047", None),
        ("WhatsApp authentication template (OTP) — got 131056 pair rate limit", None),
        ("OTP не приходит, перезвоните: 2345678", None),
        ("2FA не работает после обновления, сборка: 2405120", None),
        ("OTP sent, request_id=48219374, status delivered", None),
        # (and the third: numbers joined or listed, named before a linking word, after an
        # error's word, Meta's subcodes, dates, a line's end)
        ("OTP failed for orders 4821930, 4821931, 4821932", None),
        ("OTP doesn't arrive, call me at 2345678 or 2345679", None),
        ("OTP не доходят, заказы: 1. 4821930 2. 4821931", None),
        ("OTP не приходит клиентам, номер заказа был 4821930", None),
        ("OTP sms not delivered, order number is now 4821930", None),
        ("OTP error code: 400123", None),
        ("WhatsApp OTP template failed, Gupshup shows 2388093", None),
        ("OTP stopped on 20240512, got 20240513 in logs", None),
        ("OTP delivery rate dropped, yesterday was 982193 of 1000000", None),
    ],
)
def test_a_code_later_in_a_one_time_codes_sentence_is_masked(text: str, masked: str | None) -> None:
    assert mask_query(text) == (text if masked is None else masked)
    assert mask_message(text) == masked  # (None: nothing to mask)


# The sentence after the one naming a one-time code: a code received or typed there, that
# ends it or its clause (each of these was kept, relayed and stored whole).
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("I requested an OTP. Got 482193", "I requested an OTP. Got <secret>"),
        (
            "Запросил код подтверждения. Пришёл 482193, не подходит",
            "Запросил код подтверждения. Пришёл <secret>, не подходит",
        ),
        ("Where is my OTP? Got 482193 and 551234", "Where is my OTP? Got <secret> and <secret>"),
        ("Запросил OTP! Мне пришёл 482193", "Запросил OTP! Мне пришёл <secret>"),
        ("Мне нужен OTP. Получил 482193?", "Мне нужен OTP. Получил <secret>?"),
        (
            "Запросил код подтверждения. Ввёл 482193 — не подходит",
            "Запросил код подтверждения. Ввёл <secret> — не подходит",
        ),
        ("I requested OTP. Got 482193, invalid", "I requested OTP. Got <secret>, invalid"),
        (
            "I requested OTP. Got 482193 but it says invalid",
            "I requested OTP. Got <secret> but it says invalid",
        ),
        (
            "Запросил код подтверждения. Пришёл 482193, но пишет неверный",
            "Запросил код подтверждения. Пришёл <secret>, но пишет неверный",
        ),
        ("We send OTP. Received 154321 but only 150000 delivered", None),
        # (a business's sentence, not a person asking for their code: the third attack)
        ("Запустили вчера OTP рассылку по базе. Пришло 1234567.", None),
        ("We integrated your OTP endpoint today. Got 482193.", None),
        ("Подключили OTP для входа в кабинет. Ввёл 4821930 — неверный номер договора.", None),
        ("Пополнили баланс под OTP рассылку. Пришло 2450001.", None),
        ("Sent two OTP requests from the test bench. Got 482193 and 482194.", None),
        (
            "Запросила код подтверждения!\n\nПришло 482193",
            "Запросила код подтверждения!\n\nПришло <secret>",
        ),  # (a blank line between: the code was kept, an attack)
        ("OTP so'radim. Keldi 482193", "OTP so'radim. Keldi <secret>"),
        # ...but not a number that goes on to be something else, an error's, one the sentence
        # does not say came or was typed, one alone, a round count, nor one two sentences on
        # (the attack on the first version: orders, templates, counts, short codes).
        ("Не приходит OTP. 482193 — номер заказа", None),
        ("OTP did not work. Order 4821930 is stuck", None),
        ("SMS with OTP arrives late. Got 4821930 complaints", None),
        ("OTP delivery failed. Error 131047", None),
        ("OTP delivery failed! 131047", None),
        ("The OTP SMS is not delivered. Campaign id is 4821930.", None),
        ("OTP? 482193 error", None),
        ("OTP volume? 20241205", None),
        ("Где OTP? Я жду. 482193", None),
        ("OTP fails. Got 400123.", None),  # (an API's code, maybe: the sentence says an error)
        ("OTP not delivered. Got 4821937 as message id", None),
        ("Не приходит OTP!\n4821930", None),
        ("OTP не приходит!!! 4821930", None),
        ("Шаблон OTP не прошёл модерацию. Это 4821930", None),
        ("OTP template id? It is 1234567", None),
        ("Отправили OTP рассылку. Получили 150000, остальные не дошли", None),
        ("Нужна статистика по OTP за неделю. Пришло 1250000, доставлено меньше", None),
        ("How many OTP SMS did we send yesterday? 150000", None),
        ("The OTP sender is wrong. It shows 262966", None),
        ("Кто отправитель OTP? 262966", None),
        ("OTP не приходит на городской номер. Это 2345678", None),
        ("OTP? 4821930, 4821931 and 4821932 are stuck", None),
        ("OTP campaign yesterday. Received 154321, delivered 150000.", None),
        ("Отправили смс код. Пришло 12345678, это номер транзакции", None),
        ("We send OTP codes via your API. Got 402113, what does it mean?", None),
        ("Код подтверждения отправляем через шлюз. Пришёл 400123, статус failed", None),
        ("OTP не доходит. Пришло 100500, что это?", None),
        ("OTP не пришёл. Получил 4821937?", None),
        ("OTP sending stopped. Got 400123", None),
        ("Я клиент OTP Bank. Пришло 482193", None),
        # (left: a code alone after its name's sentence, "OTP пришёл!!! 482193", as a number
        # alone there was as often an order's)
        ("OTP пришёл!!! 482193", None),
    ],
)
def test_a_code_opening_the_sentence_after_its_name_is_masked(
    text: str, masked: str | None
) -> None:
    assert mask_query(text) == one_line(text if masked is None else masked)
    assert mask_message(text) == masked


def test_codes_a_line_each_after_their_name_are_all_masked() -> None:
    # (the first version of the rule above masked the first and left the rest: an attack)
    for text in ("OTP:\n482193\n551234", "Не приходит OTP\n482193\n551234"):
        assert "482193" not in mask_query(text) and "551234" not in mask_query(text)
        assert mask_message(text) == text.replace("482193", "<secret>").replace(
            "551234", "<secret>"
        )


def test_a_line_s_end_ends_the_sentence_that_names_a_one_time_code() -> None:
    text = "Не приходит OTP\nЗаказ был 4821930"  # (the next line's order was masked: an attack)
    assert mask_query(text) == "Не приходит OTP Заказ был 4821930"
    assert mask_message(text) is None
    text = "Пришёл OTP, вот он: 482193\nЗаказ был 4821930"
    assert mask_query(text) == "Пришёл OTP, вот он: <secret> Заказ был 4821930"


@pytest.mark.parametrize(
    ("text", "stored", "sent"),
    [
        (
            "Резервные коды:\n1. 48219374\n2. 55123487",
            "Резервные коды: 1. <secret> 2. <secret>",
            "Резервные коды:\n1. <secret>\n2. <secret>",
        ),
        (
            "backup codes\n• 48219374\n• 55123487",
            "backup codes • <secret> • <secret>",
            "backup codes\n• <secret>\n• <secret>",
        ),
        (
            "backup codes:\n48219374\nмой заказ 4821930",
            "backup codes: <secret> мой заказ 4821930",
            "backup codes:\n<secret>\nмой заказ 4821930",
        ),
        ("OTP не доходят, заказы:\n1. 4821930\n2. 4821931", None, None),
    ],
)
def test_a_list_of_codes_on_the_lines_after_their_name_is_masked_line_by_line(
    text: str, stored: str | None, sent: str | None
) -> None:
    # (every line but the first was kept: the fourth attack; an order list is no code list)
    assert mask_query(text) == (stored or one_line(text))
    assert mask_message(text) == sent


def test_a_phone_after_a_one_time_code_is_no_code() -> None:
    text = "otp 482193, звоните 88005553535"
    assert mask_query(text) == "otp <secret>, звоните <phone>"
    assert mask_message(text) == "otp <secret>, звоните 88005553535"  # (the team keeps phones)
    text = "OTP не приходит, перезвоните +7 701 2233445"  # (its last seven digits were a code)
    assert mask_query(text) == "OTP не приходит, перезвоните <phone>"
    assert mask_message(text) is None
    text = "OTP sent to +77012345678 - 482193"  # (read as one phone, the team got the code)
    assert mask_query(text) == "OTP sent to <phone> - <secret>"
    assert mask_message(text) == "OTP sent to +77012345678 - <secret>"


def test_a_run_of_digit_groups_after_a_one_time_codes_name_is_read_once() -> None:
    """Sixty ones after "otp": each further code's groups were tried split every way when the
    run ended badly (30 ones: seconds; 60: hours). Read at once now; the bound only decides a
    failure, in a process of its own, which a regex cannot be stopped in."""
    program = (
        "from bot.analytics.privacy import mask_query, mask_message\n"
        "text = 'otp ' + '1 ' * 60 + '1x'\n"
        "print(mask_query(text) == ' '.join(text.split()), mask_message(text))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["True", "None"]  # (no code of a one-time code's shape)


# Masking stays linear by construction, not by a stopwatch: a pattern enters a run of letters or
# digits only at its first character and reads it possessively (no backtracking into it), so a
# 4,096-character run is read once, not again from each of its characters as before (0.15 s).
_RUN = 4096


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (shaped_secrets._EMAIL, "a" * (_RUN - 6) + "@x.org"),
        (shaped_secrets._EMAIL, "a." * (_RUN // 2 - 3) + "@x.org"),
        (shaped_secrets._CARD, "1 " * (_RUN // 2)),
        (shaped_secrets._CARD, "12 " * (_RUN // 3) + "-"),
        (shaped_secrets._CARD, "1 - " * (_RUN // 4)),
    ],
)
def test_a_long_run_is_entered_only_at_its_first_character(
    pattern: re.Pattern[str], text: str
) -> None:
    assert [start for start in range(1, len(text)) if pattern.match(text, start)] == []


def test_a_key_that_names_no_secret_is_read_without_its_value() -> None:
    # "x=x=x=...": each x's value was the rest of the text, read again for every x.
    text = "x=" * (_RUN // 2)
    assert keyed_module._KEY.match(text) is not None
    assert keyed_module._KEY.match(text).end() == 2
    assert mask_query(text) == text[:200]


@pytest.mark.parametrize(
    "text",
    [
        "4111  1111  1111  1111",
        "4111\t1111\t1111\t1111",
        "карта\n4111\n1111\n1111\n1111",
        "4111 - 1111 - 1111 - 1111",
        "UA21  3223  1300  0002  6007  2335  6600  1",
        "DE89\n3704\n0044\n0532\n0130\n00",
    ],
)
def test_a_card_or_iban_spaced_as_pasted_is_masked_stored_and_sent(text: str) -> None:
    """The quick look read the text before its spaces were made one, so two spaces, a tab or a
    group a line hid a card from every mask (found by an attack, 2026-12-07)."""
    assert may_hold_secrets(plain_text(text))
    for masked in (mask_query(text), mask_message(text)):
        assert masked is not None and "1111" not in masked and "3704" not in masked
        assert "<card>" in masked or "<iban>" in masked


def test_a_card_is_found_at_any_place_of_a_long_run_of_groups() -> None:
    for codes in (0, 1, 500, 1000):
        masked = mask(" ".join(["1004"] * codes + ["4111 1111 1111 1111"] + ["1004"] * 3))
        assert "<card>" in masked and "4111" not in masked
        assert masked.count("1004") >= codes  # a code beside the card may go with it, no more


def test_an_iban_passes_its_check_and_a_near_miss_does_not() -> None:
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("DE89370400440532013001")
    assert "<iban>" not in mask_query("DE89 3704 0044 0532 0130 01")


# --- generated secrets inside generated text ---------------------------------------------------


def _with_luhn(body: list[int]) -> str:
    """``body`` and the check digit that makes it pass the Luhn test."""
    for check in range(10):
        if luhn([*body, check]):
            return "".join(map(str, [*body, check]))
    raise AssertionError("unreachable")


# Generators give what is written and the secrets in it that must never be stored.
Planted = tuple[str, tuple[str, ...]]


@st.composite
def card_numbers(draw: st.DrawFn) -> Planted:
    length = draw(st.sampled_from([13, 15, 16, 19]))
    number = _with_luhn(draw(st.lists(st.integers(0, 9), min_size=length - 1, max_size=length - 1)))
    # As typed and as pasted: two spaces, a tab, a group a line, a spaced dash.
    separator = draw(st.sampled_from(["", " ", "-", ".", "  ", "\t", "\n", " - "]))
    written = separator.join(number[i : i + 4] for i in range(0, len(number), 4))
    return written, (number,)


_ALNUM = st.text(
    alphabet=st.sampled_from("abcdefghkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%&*"),
    min_size=6,
    max_size=20,
)


@st.composite
def named_secrets(draw: st.DrawFn) -> Planted:
    word = draw(
        st.sampled_from(
            ["password", "Password", "пароль", "Пароль", "pwd", "pin", "токен", "гасло", "ключ"]
        )
    )
    separator = draw(
        st.sampled_from([": ", "=", ":", " = ", " is ", " — ", " це ", " - ", " від пошти: "])
    )
    value = draw(_ALNUM)
    return f"{word}{separator}{value}", (value,)


# A value of any length, with a digit that no word around it has (3, 6, 8, 9): found in what is
# stored, it can only be the secret.
_VALUE = st.from_regex(r"[A-Za-z0-9!#*+/=_~]{0,12}[3689]", fullmatch=True)
_SECRET_KEYS = [
    "password", "passwd", "api_key", "apiKey", "X-Api-Key", "access_token", "refresh_token",
    "client_secret", "private_key", "secret_key", "X-Auth-Token", "token", "пароль", "токен",
    "psw", "pw", "pass", "apikey", "api_id", "auth_token", "AuthToken", "AccountSid", "sid",
    "sessionid", "PHPSESSID", "JSESSIONID", "гасло", "Пароль",
]  # fmt: skip


@st.composite
def keyed_secrets(draw: st.DrawFn) -> Planted:
    """A secret-named key in JSON, YAML, a query string or a header, a value of any length."""
    key = draw(st.sampled_from(_SECRET_KEYS))
    words = draw(st.lists(_VALUE, min_size=1, max_size=3))
    value = " ".join(words)
    one = words[0]
    form = draw(st.integers(0, 10))
    written = [
        f'{{"{key}":"{value}","code":1004}}',
        f'{{"{key}" : "{value}"}}',
        f"{{'{key}': '{value}'}}",
        f'{{\\"{key}\\":\\"{value}\\"}}',
        f"{key}: {one}",
        f"https://sms.example/send?to=1&{key}={one}&lang=ru",
        "send?" + quote(f'data={{"{key}":"{value}"}}'),
        f"Authorization: Bearer {one}",
        f"Cookie: sid={one}; {key}={one}x",
        f'{{"{key}":[' + ",".join(f'"{word}"' for word in words) + "]}",
        f"{key}: [{', '.join(words)}]",
    ][form]
    return written, tuple(words) if form in (0, 1, 2, 3, 6, 9, 10) else (one,)


@st.composite
def usernames(draw: st.DrawFn) -> Planted:
    name = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,20}", fullmatch=True))
    return draw(st.sampled_from([f"@{name}", f"t.me/{name}"])), (name,)


@st.composite
def invites(draw: st.DrawFn) -> Planted:
    invite = draw(st.from_regex(r"[A-Za-z0-9_-]{8,22}", fullmatch=True))
    link = draw(st.sampled_from(["t.me/+", "https://t.me/joinchat/", "tg://join?invite="]))
    return f"{link}{invite}", (invite,)


@st.composite
def bearer_tokens(draw: st.DrawFn) -> Planted:
    token = draw(st.from_regex(r"[A-Za-z0-9_.~+/-]{6,19}", fullmatch=True))
    return f"{draw(st.sampled_from(['Bearer', 'bearer']))} {token}", (token,)


@st.composite
def documents(draw: st.DrawFn) -> Planted:
    digits = draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
    series = draw(st.sampled_from(["4510 ", "45 10 ", "АА", "КВ ", "AB"]))
    return f"{series}{digits}", (digits,)


@st.composite
def id_numbers(draw: st.DrawFn) -> Planted:
    """An ID or tax number, or a CVV. Their digits start with 9: the words around hold none."""
    digits = draw(st.from_regex(r"9[0-9]{6,11}", fullmatch=True))
    separator = draw(st.sampled_from(["", "-", ".", " "]))
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    if len(groups[-1]) == 1:  # ID numbers are not written with a last group of one digit
        groups[-2:] = [groups[-2] + groups[-1]]
    word = draw(st.sampled_from(["ID", "id", "ИНН", "ІПН", "РНОКПП"]))
    written = f"{word}{draw(st.sampled_from([' ', ': ']))}{separator.join(groups)}"
    if draw(st.booleans()):
        return written, (digits,)
    cvv = draw(st.from_regex(r"9[0-9]{2,3}", fullmatch=True))
    return f"{draw(st.sampled_from(['CVV', 'cvv2', 'CVC', 'CVC2:']))} {cvv}", (cvv,)


@st.composite
def phones_and_emails(draw: st.DrawFn) -> Planted:
    digits = draw(st.from_regex(r"9[0-9]{9}", fullmatch=True))
    kind = draw(st.sampled_from(["+7", "8 ", "email"]))
    if kind == "email":
        user = draw(st.from_regex(r"[a-z][a-z0-9.]{2,10}", fullmatch=True))
        return f"{user}@mail.example.org", (user,)
    return f"{kind}{digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}", (digits[3:],)


# Values that can stand in a URL's user information and curl's -u.
_URL_VALUE = st.from_regex(r"[A-Za-z0-9!*+=_~.-]{0,12}[3689]", fullmatch=True)


@st.composite
def markup_secrets(draw: st.DrawFn) -> Planted:
    """XML's elements and attributes, a URL's user:password, curl's -u."""
    key = draw(st.sampled_from(["password", "Password", "psw", "api_key", "token", "AuthToken"]))
    words = draw(st.lists(_VALUE, min_size=1, max_size=3))
    value, one = " ".join(words), words[0]
    user, password = draw(_URL_VALUE), draw(_URL_VALUE)
    written, cores = draw(
        st.sampled_from(
            [
                (f"<{key}>{value}</{key}>", words),
                (f'<wsse:{key} Type="PasswordText">{value}</wsse:{key}>', words),
                (f'<string name="{key}">{value}</string>', words),
                (f'<param name="{key}" value="{one}"/>', [one]),
                (f"<{key}><![CDATA[{value}]]></{key}>", words),
                (f'<user {key}="{value}"/>', words),
                (f"<{key}>{one}", [one]),
                (f"curl -u {user}:{password} https://sms.example/send", [user, password]),
                (f"curl --user '{user}:{password}' https://sms.example/send", [user, password]),
                (f"https://{user}:{password}@sms.example/send", [user, password]),
            ]
        )
    )
    return written, tuple(cores)


@st.composite
def yaml_blocks(draw: st.DrawFn) -> Planted:
    """A secret-named key whose value is the lines below it: a block scalar or a list."""
    key = draw(st.sampled_from(["password", "auth", "api_key", "токен", "гасло"]))
    words = draw(st.lists(_VALUE, min_size=1, max_size=3))
    indicator = draw(st.sampled_from(["|", ">", "|-", ">+", "|2"]))
    written = draw(
        st.sampled_from(
            [
                f"{key}: {indicator}\n" + "".join(f"  {word}\n" for word in words),
                f"{key}:\n" + "".join(f"  - {word}\n" for word in words),
                f"{key}:\n" + "".join(f"- {word}\n" for word in words),
                f"sms:\n  {key}: {indicator}\n    " + "\n    ".join(words) + "\n  user: x\n",
            ]
        )
    )
    return written, tuple(words)


# A secret after a short label: with a digit in it and five characters or more, it does not
# read as a word. The digit is one no word around it has.
_LABELLED_VALUE = st.from_regex(r"[A-Za-z]{2,6}[3689][A-Za-z3689]{2,6}", fullmatch=True)


@st.composite
def labelled_secrets(draw: st.DrawFn) -> Planted:
    """A secret's name, a label of a few words, maybe a separator, the secret (ru, uk, en)."""
    name = draw(
        st.sampled_from(["пароль", "Пароль", "гасло", "токен", "ключ", "password", "token"])
    )
    label = draw(
        st.sampled_from(
            ["від кабінету", "от личного кабинета", "for my account", "бота", "API", "до пошти"]
        )
    )
    separator = draw(st.sampled_from([" ", ": ", " — ", " - ", " is ", " это ", " це "]))
    value = draw(_LABELLED_VALUE)
    return f"{name} {label}{separator}{value}", (value,)


# Passphrase words of letters no word around them has.
_PASSPHRASE_WORD = st.one_of(
    st.from_regex(r"[bjkpquvxz]{4,8}", fullmatch=True),
    st.from_regex(r"[вгжзуфчщюєї]{4,8}", fullmatch=True),
)


@st.composite
def passphrases(draw: st.DrawFn) -> Planted:
    name = draw(st.sampled_from(["password", "Password", "пароль", "гасло"]))
    separator = draw(st.sampled_from([": ", "=", " is ", " — ", " это ", " це "]))
    words = draw(st.lists(_PASSPHRASE_WORD, min_size=3, max_size=5))
    return f"{name}{separator}{' '.join(words)}", tuple(words)


def _iban(country: str, account: str) -> str:
    """The IBAN of ``account`` in ``country``, its check digits computed."""
    rearranged = "".join(str(int(char, 36)) for char in account + country + "00")
    return f"{country}{98 - int(rearranged) % 97:02d}{account}"


@st.composite
def numbers_by_shape_or_name(draw: st.DrawFn) -> Planted:
    """IBANs, phones written with dots, a passport's series and number, one-time codes. Their
    digits are ones no word around them has (3, 6, 8, 9)."""
    kind = draw(st.sampled_from(["iban", "phone", "passport", "one-time"]))
    if kind == "iban":
        country, length, bank = draw(
            st.sampled_from([("UA", 29, ""), ("DE", 22, ""), ("PL", 28, ""), ("GB", 22, "BJKQ")])
        )
        digits = draw(st.from_regex(rf"[3689]{{{length - 4 - len(bank)}}}", fullmatch=True))
        iban = _iban(country, bank + digits)
        if draw(st.booleans()):
            separator = draw(st.sampled_from([" ", "  ", "\t", "\n"]))
            return separator.join(iban[i : i + 4] for i in range(0, len(iban), 4)), (digits,)
        return iban, (digits,)
    if kind == "phone":
        digits = draw(st.from_regex(r"[3689]{10}", fullmatch=True))
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:]}", (digits,)
    if kind == "passport":
        series = draw(st.from_regex(r"[3689]{4}", fullmatch=True))
        number = draw(st.from_regex(r"[3689]{6,7}", fullmatch=True))
        written = draw(
            st.sampled_from(
                [
                    f"паспорт серия {series} номер {number}",
                    f"серія {series} № {number}",
                    f"passport series {series} number {number}",
                    f"серия КВ номер {number}",
                    f"номер паспорта {number}",
                ]
            )
        )
        return written, (number, series) if series in written else (number,)
    name = draw(
        st.sampled_from(
            ["OTP", "otp", "sms code", "SMS-код", "код из смс", "код з смс", "код подтверждения",
             "код підтвердження", "verification code", "one-time code"]
        )
    )  # fmt: skip
    code = draw(st.from_regex(r"[3689]{4,8}", fullmatch=True))
    return f"{name}{draw(st.sampled_from([' ', ': ', ' — ']))}{code}", (code,)


_FULLWIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)} | {0x20: 0x3000}


@st.composite
def fullwidth(draw: st.DrawFn) -> Planted:
    """A secret written in fullwidth forms (ＡＢＣ, ＠, ：), which read as ASCII to a person."""
    written, cores = draw(st.one_of(named_secrets(), keyed_secrets(), phones_and_emails()))
    return written.translate(_FULLWIDTH), cores


_WORDS = st.lists(
    st.sampled_from(
        [
            "gosms",
            "1004",
            "notificore",
            "21",
            "41",
            "ошибка",
            "не",
            "приходит",
            "sms",
            "помилка",
            "надходять",
            "radist",
            "17002",
            "код",
            "клиента",
            "why",
            "fails",
            "?",
            "—",
            "2024-05-01",
            '{"error":"40"}',
        ]
    ),
    max_size=8,
)
_PLANTED = st.one_of(
    card_numbers(),
    named_secrets(),
    keyed_secrets(),
    usernames(),
    invites(),
    bearer_tokens(),
    documents(),
    id_numbers(),
    phones_and_emails(),
    markup_secrets(),
    yaml_blocks(),
    labelled_secrets(),
    passphrases(),
    numbers_by_shape_or_name(),
    fullwidth(),
)


def _bare(text: str) -> str:
    """``text`` without spaces, dashes, dots and the masks' own marks ("<secret>")."""
    return re.sub(r"<[a-z]+>|[\s.-]", "", text)


@given(before=_WORDS, secret=_PLANTED, after=_WORDS)
def test_no_generated_secret_is_ever_stored(
    before: list[str], secret: Planted, after: list[str]
) -> None:
    written, cores = secret
    stored = mask_query(" ".join([*before, written, *after]))
    for core in cores:
        assert _bare(core) not in _bare(stored)


# One code beside the secret: several in a row may be read as a card, which masks them all.
_AROUND = st.sampled_from(["", "gosms 1004", "радист 17002 помилка", '{"error":"40"}', "why?"])


@given(
    before=_AROUND,
    secret=st.one_of(
        named_secrets(),
        keyed_secrets(),
        invites(),
        bearer_tokens(),
        markup_secrets(),
        labelled_secrets(),
        numbers_by_shape_or_name(),
    ),
    after=_AROUND,
)
def test_the_codes_around_a_named_secret_survive_it(
    before: str, secret: Planted, after: str
) -> None:
    stored = mask_query(f"{before} {secret[0]} {after}")
    assert stored.startswith(before)
    assert stored.endswith(after)


@given(before=_WORDS, secret=_PLANTED, after=_WORDS)
def test_the_quick_look_never_lets_a_secret_skip_the_masks(
    before: list[str], secret: Planted, after: list[str]
) -> None:
    text = plain_text(" ".join([*before, secret[0], *after]))
    assert may_hold_secrets(text) or mask(text) == one_line(text)
    assert mask_query(text) == mask(text)[:200]


def test_the_quick_look_folds_case_as_re_does() -> None:
    """The names are looked for in the lowered text: every character that re's IGNORECASE takes
    for a letter of a name (ſ for s, ı for i, Cyrillic's old forms, capitals) is still seen."""
    # Every plain name, and a phrase for each one written as a pattern (one-time codes, ids).
    literal = [stem for stem in NAME_STEMS if stem.isalpha()]
    literal += ["sms code", "2fa code", "код из смс", "code from the sms", "api id", "id"]
    letters = sorted({letter for stem in literal for letter in stem if letter.isalpha()})
    everything = "".join(chr(point) for point in range(0x110000) if not 0xD800 <= point < 0xE000)
    alike = set(re.findall(f"[{''.join(letters)}]", everything, re.IGNORECASE))
    looked = 0
    for stem in literal:
        for at, letter in enumerate(stem):
            for other in alike:
                if letter.isalpha() and other != letter and re.fullmatch(letter, other, re.I):
                    text = f"gosms 1004 {stem[:at]}{other}{stem[at + 1 :]}: hunter2"
                    assert may_hold_secrets(text), text
                    looked += 1
    assert looked > sum(map(len, literal))  # every letter its capital, and some more
