"""Secrets after the word that names them in prose: "password is x", "пароль — x", "ключ API x",
"password for my account x", "Bearer x", "CVV 123", "OTP 482193", "код из смс 482193"."""

from __future__ import annotations

import re

from bot.analytics.named_secrets import (
    MASKED,
    NO_VALUE,
    NOT_A_SECRET_WORD,
    SHORTEST_PIN,
    TRAILING,
    after_error_word,
    closing,
    no_value,
    passphrase_end,
)
from bot.analytics.shaped_secrets import phone_at, phone_spans

# One-time codes, named: the number after them is a secret for its minutes of life.
# (The bare "2fa" and "mfa" last: the first name that matches is taken, and "2fa code 4821"
# is the code's four digits, where "2fa" alone asks six.)
ONE_TIME_WORDS = (
    r"t?otp|one[ -]time (?:code|password|pin)|"
    r"(?:verification|confirmation|2fa|login|authenticator) code|(?:google )?authenticator|"
    r"(?:2fa |mfa )?(?:recovery|backup) codes?|"
    r"code (?:from|in|of) (?:the |an? |my )?(?:sms|text|message)|"
    r"sms[ -]?code|(?:смс|sms)[ -]?код|"
    r"код[ыи]? (?:из|с|со|з|із|зі|в|по) "
    r"(?:(?:смс|sms)(?:-?(?:ки|ке|ка|ку))?|сообщения|повідомлення)|"
    r"код (?:для входа|для входу|для регистрации|для реєстрації|входа|входу|авторизации|"
    r"авторизації)|"
    # ...as a service's SMS says it: "Введите код 4821", "Telegram code 48219", "Код активации"
    # (a pasted SMS was stored whole: the round's last look; "ваш код 1004" asks support about
    # its code, see _SMS_CODE), transliterated too ("kod podtverzhdeniya", "tasdiqlash kodi")
    r"(?:введите|введіть|enter(?: the)?) (?:код|code)|код (?:активации|активації)|"
    r"activation code|kod podtverzhdeniya|tasdiqlash kodi|kirish kodi|растау коды|"
    r"(?:telegram|whatsapp|viber|signal|google|apple(?: id)?|microsoft|facebook|instagram|vk) "
    r"(?:code|код)|"
    r"код (?:подтверждения|підтвердження|верификации|верифікації)|"
    r"одноразов(?:ый|ий) (?:код|пароль)|резервн(?:ый|ые|ий|і) код[ыи]?|"
    r"код[ыи]? (?:восстановления|відновлення)|"
    r"код (?:гугл |google )?(?:аутентификатора|автентифікатора)|"
    r"steam guard(?: code)?|steam (?:code|код)|2fa|2фа|mfa"
)
# A password's names as people write them: misspelt ("pasword", "psswd"), disguised ("p@ssword",
# "pa$$word"), in plural ("passwords", "пароли"), and in the languages of the people an SMS
# gateway's support hears from besides Russian, Ukrainian and English.
PASSWORD_NAMES = (
    r"passw(?:or)?ds?|p[a@4][s$]{2}w(?:[o0]r|r[o0]|r)?ds?|p[a@4]sw(?:[o0]r|r[o0]|r)?ds?|"
    r"pa[s$]{2}owrd|ps{1,2}wr?d|parol(?:[ai]|im|ni|ing(?:iz)?(?:ni)?)?|құпия ?сөз\w*|креды|сикрет|"
    r"pass|pwd|psw|passcode|passphrase|passwort|contrase[ñn]a|mot de passe|has[łl]o|senha|"
    r"[şs]ifre|wachtwoord|"
    r"парол(?:ь|я|ю|ем|е|і|и|ей|ями)?|пасс|пас+ворд|гасл(?:о|а|у|ом)|gas[łl]o"
)
PASSWORD_WORDS = rf"{PASSWORD_NAMES}|парол\w*|гасл\w*"  # ...and their forms in a longer word
_SECRET_WORDS = (
    rf"{PASSWORD_NAMES}|pw|pin[ -]?code|pin-код|pin|secret|token|x-api-key|api-key|api-ключ|"
    r"api[ _-]?key|apikey|(?:refresh|access|auth|id|bot)_token|creds?|credentials?|"
    r"(?:private|secret|signing|sign|access|app|auth|encryption|licen[cs]e) key|"
    r"bearer|basic|cvv2?|cvc2?|cvn|csc|access code|security code|"
    r"токен(?:а|у|ом|ы|и)? доступ[ауі]|ключ(?:а|ом|ем|і)? (?:доступ[ауі]|api|апи)|"
    r"токен(?:а|у|ом|ы|и)?|токін|ключ(?:а|ом|ем|і)?|секрет|пин-код|пін-код|пин|пін|"
    rf"код доступ[ауі]?|код безпеки|код безопасности|{ONE_TIME_WORDS}"
)
_NAME = re.compile(rf"(?<!\w)(?<!\w-)(?:{_SECRET_WORDS})(?!\w)", re.IGNORECASE)  # not x-password
# A PIN's or a CVV's digits written onto its name: "cvv123", "pin4821".
_GLUED_DIGITS = re.compile(
    r"(?<!\w)(cvv2?|cvc2?|cvn|csc|pin|пин|пін)(\d{3,6})(?!\w)", re.IGNORECASE
)
# A login and a password named together, and their two values: "логин и пароль: anna hunter2",
# "username and password: anna, Hunter2", "логин/пароль anna / hunter2".
_PAIR = re.compile(
    r"(?<!\w)(?:логин|логін|login|username|user ?name|user|юзер|користувач|e-?mail|почта|пошта)"
    rf"\s*(?:и|і|та|й|and|&|/|\+)\s*(?:{PASSWORD_NAMES})(?!\w)"
    r"(?P<separator>\s*(?:[:=—–]|\s-)\s*|\s+)(?P<first>[^\s,/;|]+)(?P<between>\s*[,/;|]\s*|\s+)"
    r"(?P<second>[^\s,/;|]+)",
    re.IGNORECASE,
)
# What says the value just before it was tried and refused: "пароль qwerty не подходит",
# "password qwerty does not work".
_REFUSED_AFTER = re.compile(
    r"\s+(?:не\s+(?:подход|работа|принима|проход|підход|працю|прийма|приход)\w*"
    r"|(?:does|do|did|is|was|are)\s*n[o']?t\b|doesn't|didn't|isn't|wasn't|fails?\b|failed\b"
    r"|(?:is\s+)?(?:rejected|refused|invalid|wrong|incorrect)\b)",
    re.IGNORECASE,
)
# Words whose secret is a few digits: "PIN 4821", "CVV 123". After a one-time code's name, four
# digits or more. After any other word a short number is an error code ("gosms token 1003").
_DIGITS_SECRET = re.compile(
    r"pin[ -]?code|pin-код|pin|пин-код|пін-код|пин|пін|cvv2?|cvc2?|cvn|csc|access code|"
    r"security code|код доступ[ауі]?|код безпеки|код безопасности",
    re.IGNORECASE,
)
_ONE_TIME = re.compile(ONE_TIME_WORDS, re.IGNORECASE)
_CODE_DIGITS = 6
_ONE_TIME_DIGITS = 4
_FEATURES = frozenset({"2fa", "2фа", "mfa"})  # one-time codes' names that also name the feature
_TOTP_DIGITS = 6  # an authenticator's code, and most one-time codes: no error's is that long
# Arrows people point with, as they type them and as phones offer them: "password ➜ x" (the
# emoji's variation selector, ➡️, is taken out before: privacy.plain_text).
ARROWS = "→⇒➜➡➔⟶⇨⟹➝▶👉←⬅"
_ARROW_MARKS = rf"-->|==>|->|=>|>>|[{ARROWS}]"
# A one-time code after its name, spaced or dashed as apps show it ("mfa 123 456", "OTP: 482
# 193", "код из смс 48-21-93"): its first group alone was read as an error's code, or a key's
# value, and the rest stored (attacks). Four digits or more in two to 24 groups (ten backup
# codes of two groups, one a line: the attacks on the mending), after the name, a label, a
# mark, an arrow, a quote or a chat's formatting (**, `, ||); a PIN's too ("pin 48 21"), and a
# password's after a colon, an arrow or before groups ("пароль → 1234 5678"). Groups of
# two lengths too: a code typed with a stray space ("otp 48 219", "otp 4 821 93") leaked where
# they were taken for two error codes ("otp 35 1004", which the log now loses: the fourth
# attack). No upper bound: twelve digits in three groups after a one-time code's name (a
# backup code) are no error's codes either. The codes after the first go with it (the fifth
# attack and its mending's): after a mark, or a few words that say another code comes ("otp
# 482193 и 555666", "otp 482 193, потом 555 666", "OTP 482193. Новый 551234"), of four to
# eight digits; after a space alone, of six to eight ("otp 482193 551234", where "otp 482193
# 1004" or "\n2024" is an error's code or a year). Longer ones are a phone's or a card's,
# left to their rules ("код из смс 482193 звоните 8 800 555 35 35"); a date is none.
# Each code is read once and for good (atomic): read again group by group, "otp 1 1 1 ... 1x"
# took seconds for 30 ones (the mending's attack).
_GROUPS = r"\d{1,4}(?:(?:[ .\n-]|\s[–—-]\s)\d{1,4}){1,23}"
_OPEN = r"[\"'«“„‚]|\*{1,2}|`|_|~{1,2}|\|\||\[|<b>|<code>|[#№]"
_CLOSE = r"(?:[\"'»”“‘`_~|\])]|\*{1,2}|</b>|</code>){0,3}+"
_ENDED = r"(?![\w-]|[ .-]\d)"  # a code's last digit
_ERROR_WORD = r"(?:error|err|ошибк|помилк|xato|қате)"  # (xato, қате: Uzbek, Kazakh)
_NOT_DATE = (  # 12.05, 12.05.2024, 12-05-2024, 12/05/24, 2024-05-12
    r"(?!(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])(?:[./-](?:\d{4}|\d{2}))?(?!\d)"
    r"|(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d))"
)
# Words that say another code follows; "код" only after one of them ("и код 555 666", where
# "otp 482193, код 1004" names an error's).
_AND = r"и|і|й|та|and|or|или|або|а|then|also|plus|потом|затем"  # (also _JOINING's)
_MORE_WORD = (
    rf"(?:{_AND}|ещё|еще|ще|один|one|новый|новий|новая|нова|второй|другий|second|new|another|"
    r"next|следующий|наступний)"
)
_MORE_WORDS = (
    rf"{_MORE_WORD}(?:\s*[:,]\s*|\s+)(?:(?:{_MORE_WORD}|codes?|коды?|коди|код)"
    r"(?:\s*[:,]\s*|\s+)){0,2}+"
)
_JOINER = (
    rf"(?>\s*(?:[,;/&+=(—–.]|{_ARROW_MARKS})\s*(?:{_MORE_WORDS})?|\s+-\s+(?:{_MORE_WORDS})?"
    rf"|\s+{_MORE_WORDS})"
)
# A code's digits: in groups, all of them (atomic: a run past the 24th group is none), or
# solid; not a count ("otp, пришло 1500 смс").
_NOT_COUNT = (
    r"(?!\s*(?:смс|sms|сообщ|повідом|раз|times|шт|минут|хвилин|секунд|minute|second|руб|грн|%"
    r"|rub|usd|eur|uah|kzt|uzs|inr|тенге|сум|сом|so'?m|dollar|доллар|долар|milli|милли|мілі"
    r"|messages|msgs|users|clients|recipients|subscribers|bounces|complaints|timeouts|pending"
    r"|отправ|доставл|абонент|получател|одержувач|надісл|користувач|пользовател|клиент|клієнт"
    r"|отказ|відмов|недоставл|жалоб|скарг|delivered|undelivered|requests|rejected|approved"
    r"|одобрен|отклонен|(?:of|из|з)\s+\d"
    # (Uzbek, Kazakh: "keldi 154321 ta abonentga", "келді 154321 рет")
    r"|ta\b|dona|marta|nafar|kishi|abonent|raqam|mijoz|xabar|рет\b|дана|нөмір|адам|хабар"
    r"|[₸₽₴$€£₹]|(?:ms|мс|тг)(?!\w)))"
)
_DIGITS = rf"{_NOT_DATE}(?>{_GROUPS}{_ENDED}|\d{{4,}}(?![\w-])){_NOT_COUNT}"
_LOCAL_PHONE = r"\d{3}[ -]\d{2}[ -]\d{2}(?!\d)"  # 555-12-34: a phone for the team, no code
_MORE = (  # (a year, or a code an error's word follows, is none: "otp 482193 и 1004 ошибка")
    rf"(?:{_JOINER}(?:{_OPEN})?(?!(?:19|20)\d\d(?!\d)|{_LOCAL_PHONE}){_DIGITS}"
    rf"(?!\s*{_ERROR_WORD}){_CLOSE}"
    rf"|\s+(?:{_OPEN})?\d{{6,8}}(?![\w-]){_CLOSE})*+"
)
# Words before the code: a label, a verb ("код в смс пришёл 482193").
_LEAD = (
    r"codes?|коды?|коди|tokens?|токен|is|was|это|це|был|був|пришёл|пришел|пришла|пришло|"
    r"прийшов|прийшла|прийшло|came|got|received"
)
_SPACED_CODE = re.compile(
    rf"(?<![\w-])(?:(?P<name>{ONE_TIME_WORDS}|pin(?:code)?|пин(?:код)?|пін(?:код)?|code|код)"
    rf"(?:-(?:code|код))?(?![\w-])|(?:{PASSWORD_NAMES})(?=\s*(?::|=|{_ARROW_MARKS}|[—–-]|\d)))"
    rf"(?:\s*(?:{_LEAD}|:|=|{_ARROW_MARKS}|—|–|-|,|\(|{_OPEN})){{0,4}}+\s*"
    rf"({_DIGITS})({_CLOSE}{_MORE})",
    re.IGNORECASE,
)
_LONGEST_MORE = 8  # digits of a code after the first: more are a phone's or a card's
# A bare "code" names a one-time code only as six digits in groups ("code 482 193", "код: 48 21
# 93"), where "код 1004 1005" asks about two error codes; a solid one is _BARE_CODE's.
_BARE = re.compile(r"code|код", re.IGNORECASE)
# A one-time code or a PIN before its name, said to be one: "482193 — мой код из смс", "482193
# is my otp", "4821 это мой пин-код" (stored whole: the fifth attack's mending); six digits
# or more before a dash alone ("482193 — код из смс", where "1004 — код из смс не приходит"
# asks about an error).
_POSSESSIVE = r"(?:my|your|the|мой|мій|моя|моє|мое|ваш|твой|твій)\s+"
_CODE_BEFORE_NAME = re.compile(
    rf"(?:(?<![\w-])[A-Z]{{1,3}}-|(?<![\w-]))(?:{_OPEN})?(?:((?>{_GROUPS}|\d{{4,8}})){_CLOSE}\s*"
    rf"(?:[—–-]\s*)?(?:(?:is|was|это|це|был|був)\s+(?:{_POSSESSIVE})?|{_POSSESSIVE})"
    rf"|(\d{{6,8}})\s*[—–-]\s*)(?:[^\W\d_]+\s+)?"  # ("G-482193 is your Google verification code")
    rf"(?:{ONE_TIME_WORDS}|pin(?:code)?|pin-код|пин-код|пін-код|пин|пін)(?![\w-])"
    rf"(?!\s*{_ERROR_WORD})"  # ("1004 is my otp error")
    rf"|(?<![\w-])(?:{_OPEN})?((?>{_GROUPS}|\d{{6}})){_CLOSE}\s*(?:[—–-]\s*)?"
    rf"(?:(?:is|это|це)\s+)?{_POSSESSIVE}(?:code|код)(?![\w-])",
    re.IGNORECASE,
)
# An error's word just before the name: "ошибка otp 1004" asks about an error.
_ERROR_BEFORE = re.compile(rf"{_ERROR_WORD}\w*\W{{0,3}}$", re.IGNORECASE)
_CODE = re.compile(rf"{_GROUPS}|\d{{4,8}}")
_SIX_DIGITS = re.compile(r"\d{6}")
_GROUP = re.compile(r"\d+")
_SHORTEST_SPACED = 4


_SEPARATOR = re.compile(
    rf"(?>\s*(?:{_ARROW_MARKS}|:=|::|[:=])\s*"
    r"|\s+(?:(?:is|was|has been) (?:set|changed|reset) to|is now|is|was|это|є|це|-|--|<-)\s+"
    r"|['’]s\s+|\s*(?:[—–]|<-|--)\s*"
    r"|\s*(?:[;|,]|\.{2,}|…)\s*|/(?=\S))",
    re.IGNORECASE,
)
# Marks that part a name from its value as a space does, no more: "password;x", "password, please".
_WEAK = re.compile(r"\s*(?:[;|,]|\.{2,}|…)\s*|/")  # "password/x", not "token /etc/app"
_STRONG = re.compile(r"[:=]")  # what follows is the value, whatever it reads as
# An arrow: "password -> Hunter2", but also a path in an app ("Settings → Password → Reset").
_ARROW = re.compile(_ARROW_MARKS)
# A password's own names: what follows one in a message to the team is taken for the password
# whatever its shape when it is quoted, has a digit, mixed case or a symbol, or ends a sentence.
_PASSWORD = re.compile(PASSWORD_WORDS, re.IGNORECASE)
# A quoted value, not the quote that closes a quoted key ('"password":"x"', "{'pass': 'x'}").
_QUOTED = re.compile(r"\s*[\"'«“„]([^\"'«»“”„\s:=,][^\"'«»“”„]{0,99})[\"'»”“]")
_SENTENCE_END = re.compile(r"[.!?…,;)]*(?:\s*$|(?<=[.!?…,;)])\s)")
_PASSWORD_DIGITS = 5  # "пароль 123456": in a message to the team, not an error's code
_ARTICLES = frozenset({"the", "a", "an"})  # "my password is the word qwerty"
# Words that end a sentence after a password's name and are not it: asking ("reset password
# please"), or what the password is for ("a password to connect the account", "пароль
# двофакторної перевірки").
# ...or a word of a sentence that goes on on the next line ("my password is such\nx").
_NOT_PASSWORDS = (
    "please pls help again now today problem issue question thing here there account accounts "
    "app site website profile user admin verification authentication authorization access "
    "пожалуйста помогите срочно опять снова тут здесь аккаунт аккаунта аккаунту кабинет "
    "кабинета профиль профиля сайт сайта приложения приложение вход входа проверки "
    "верификации аутентификации авторизации доступа администратора админа учетки учётки записи "
    "будь ласка допоможіть знову акаунт акаунта акаунту кабінет кабінету профіль профілю сайту "
    "застосунку входу перевірки верифікації автентифікації авторизації доступу запису "
    "from into with this that your their such then also будет такой такая такий така ось "
    "этот этого цей цього тоже також yesterday today tomorrow works work working fails failed "
    "breaks broken вчера сегодня завтра вчора сьогодні работает сломался працює stopped stops "
    "stop"
)
_NOT_A_PASSWORD = frozenset(_NOT_PASSWORDS.split())
# Latin letters: past them, a value, not a word (an attack's 24-letter token). At 24, tokens of
# 20 to 23 letters were stored (a third attack); at 20, "internationalization" after a token's
# name is masked too (a second attack): a word lost, not a secret kept.
_LONGEST_WORD = 20
_WORD_LENGTH = 4  # shorter, a word that ends a line is one of its sentence ("password for\nx")
# The value before its name: "Hunter2Secret is my password", "Hunter2Secret — мой пароль".
_BEFORE_NAME = re.compile(
    r"(?<!\S)([\"'«]?)([^\s\"'«»]+)\1(\s+(?:is|was|это|є|це|-)\s+|\s*[—–]\s*)"
    r"(?:(?:my|the|a|мой|мій|моя|мое|наш)\s+)?"
    r"(?:passw(?:or)?d|pass|pwd|passcode|парол(?:ь|я|ем)|пасс|гасло)(?!\w)",
    re.IGNORECASE,
)
# A one-time code by its bare name, in a message to the team: "code 482193" (not "error code").
_ERROR_AFTER = re.compile(rf"\s+{_ERROR_WORD}", re.IGNORECASE)
_BARE_CODE = re.compile(
    r"(?<![\w-])(?:codes?|коды?|kod|kodingiz|кодыңыз)"
    r"(\s+(?:is|это|це|—|-|пришел|пришёл|прийшов|came)\s+|\s*:?\s*)"
    rf"(\d{{6,8}})(?![\w-]){_NOT_COUNT}",
    re.IGNORECASE,
)
# A pasted SMS with a one-time code says so ("Никому не сообщайте", "do not share", "действителен
# 5 минут"): there a bare "код" with four digits or more is one ("Код 4821. Никому не
# сообщайте", where "код 4821" alone asks about an error).
_PASTED_SMS = re.compile(
    r"никому|нікому|nikomu|hech kimga|не сообщайте|не передавайте|не говорите|не кажіть"
    r"|do not share|don'?t share"
    r"|never share|действител|дійсн|valid for|expires in",
    re.IGNORECASE,
)
# A service's SMS that puts the code first: "Use 482193 to verify your account", "Enter 482193
# to sign in", "Введите 4821 для входа".
_USE_CODE = re.compile(
    r"(?<![\w-])(?:use|enter|введите|введіть)\s+(\d{4,8})\s+(?:to|для)\s+"
    r"(?:verify|confirm|sign|log|reset|подтвержд|підтвердж|входа|входу|авторизац)",
    re.IGNORECASE,
)
_SMS_CODE = re.compile(
    r"(?<![\w-])(?:код|code|kod)(?:[^\d\n<]{0,24}?)(?<!\d)(\d{4,8})(?![\w-]|[ .-]\d)",
    re.IGNORECASE,
)
# A one-time code's name says what its sentence is about: six to eight digits later in it are a
# code too where a word gives one ("otp 482193 а потом ещё один пришёл 551234", "Google
# Authenticator показывает 482193", "OTP for txn of INR 500 at AMAZON is 482193", a bank's "на
# 1500 грн: 482193": stored, the rules above read only the number after the name or a mark).
# Not a number no such word gives ("кампания 482193", "отправили 150000", "сборка: 2405120"),
# another number's so given ("sender id is 482193", "номер заказа был 4821930"), one after an
# error's word ("OTP error code: 400123"), a phone's, a date, a count, nor Meta's error codes
# (which Gupshup passes on: "WhatsApp OTP template, got 131056"): each found by one of four
# attacks on the first versions, which took every number in the sentence. A line's end ends
# the sentence (mask_later_codes reads the lines before they are joined).
_CODE_TOPIC = re.compile(
    rf"(?<![\w-])(?:{ONE_TIME_WORDS})(?![\w-])"
    r"|(?<![\w-])(?:codes|коды|коди)\s*+:?\s*+(?=\d{6})"
    # ...or what an SMS said: "в смс было 482193", "the text said 482193"
    r"|(?P<said>(?<![\w-])(?:в|у|из|із|in(?: the| an?| my)?|the) (?:смс|sms|text|message|"
    r"сообщении|повідомленні)(?:-?к[еіи])?\s+(?:было|пришло|пришёл|пришел|прийшло|прийшов|"
    r"написано|пишет|пише|сказано|указан\w*|вказан\w*|says|said|was|came|shows|showed|reads)"
    # ...or an SMS with its code: "Мне пришла смс с кодом 482193"
    r"|(?<![\w-])(?:смс|sms|сообщение|повідомлення|message|text)(?:-?к[аиу])?\s+"
    r"(?:с|з|із|with(?: the| a)?)\s+(?:кодом|code)"
    r"(?![\w-]))",
    re.IGNORECASE,
)
# A sentence ends at a line's end, at ! ? …, and at a full stop before a capital ("Rs. 500",
# "1500 руб. в OZON" and a list's "1." go on).
_SENTENCE_OVER = re.compile(  # (a run of marks entered at its first: "!" * 4,000 took 0.3 s)
    r"(?<![!?…])[!?…]++(?:\s|$)|\.(?:\s*$|\s+(?=[A-ZА-ЯЁІЇЄҐ]))|\n"
)
_LATER_CODE = re.compile(rf"(?<![\w.,/:+#№-])\d{{6,8}}(?![\w-]|[.,/:]\d){_NOT_COUNT}")
# Meta's codes (13xxxx) and error subcodes (2388xxx, 2494xxx); a date written YYYYMMDD.
_NOT_A_CODE = re.compile(
    r"13\d{4}|2388\d{3}|2494\d{3}|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
)
_ERROR_SAID = re.compile(rf"(?<!\w){_ERROR_WORD}|fail|reject|отклон|відхил", re.IGNORECASE)
_CURRENCY = r"rs|inr|usd|eur|rub|руб|грн|uah|kzt|uzs|тенге|тг|сум|[₹$€£₸₽₴]"
_JOINING = rf"(?:\s*[,;/&+]|\s+(?:{_AND}))"
# Words of a code received or typed (Uzbek and Kazakh too: keldi, келді "came"; kiritdim,
# енгіздім "I entered")...
_RECEIVED = (
    r"came|comes|arrived|got|get|received|пришл[аои]|пришёл|пришел|приходит|прийшо?в|"
    r"прийшл[аои]|приходить|получил\w*|отримал?\w*|отримав|ввожу|ввел[аи]?|ввёл|вводжу|ввів|"
    r"ввела|entered|enter|typed|keldi|kelgan|kiritdim|келді|келген|енгіздім"
)
# ...and what may stand between such a word and the code ("пришёл мне ещё один 482193").
_FILLERS = (
    r"(?:\s+(?:only|just|again|только|лишь|тільки|лише|снова|знову|ещё|еще|ще|мне|мені|me|"
    r"it|он|вон|this|этот|цей|такой|такий|new|новый|новий|another|second|второй|другий|два|две|"
    r"дві|оба|обидва|both|two|три|three)){0,2}"
)
_GIVEN = re.compile(
    rf"(?:(?<!\w)(?:is|was|are|were|это|це|є|вот|ось|він|here|{_RECEIVED}|"
    r"shows?|showed|showing|displays?|показыва\w*|"
    r"показал\w*|показу\w*|показав|выда[её]т|выдал\w*|видає|видав|генерирует|генерує|"
    r"generates|says|gives|gave|прислал\w*|написано|сказано|указан\w*|вказан\w*|"
    r"written|tried|with)"
    rf"{_FILLERS}"
    # a mark after an amount, a code's name or a shop's (a bank's SMS: "на 1500 грн: 482193",
    # "at FLIPKART: 482193"; "Отправлено: 150000", "сборка: 2405120" give none)
    rf"|(?:(?<!\w)(?:{_CURRENCY}|код\w*|codes?|kod\w*|otp|pin)|\d|(?-i:\b[A-Z]{{3,}}))\.?\s*[:=—–-]"
    rf"|{_ARROW_MARKS}|<secret>{_JOINING}?)"
    r"[^\w\n]{0,6}$",  # (an emoji, a quote between: "OTP пришёл 👇 482193")
    re.IGNORECASE,
)
# After codes named in plural, a list's number or bullet gives one ("backup codes: 1. 48219374");
# after another code (masked: "коды 482193 и 551234"), a joining word or mark.
# A list on the lines after such a name goes on its sentence ("Резервные коды:⏎1. 48219374⏎2.
# 55123487": every line but the first was kept, an attack).
_PLURAL = re.compile(r"(?<!\w)(?:codes|коды|коди|кодів)(?!\w)", re.IGNORECASE)
_LISTED = re.compile(r"(?:(?<![\w#№])\d{1,2}[.)]|(?<!\S)[•*▪◦‣])[^\w\n]{0,6}$")
_LIST_LINE = re.compile(
    r"[^\S\n]*+(?:(?:\d{1,2}[.)]|[•*▪◦‣-])[^\S\n]*+)?(?=\d{6,8}[^\S\n]*+$)", re.M
)
_JOINED_TO = re.compile(rf"{_JOINING}?\s*", re.IGNORECASE)
# In the sentence after a code's name, a code the sentence opens by receiving or typing ("Got
# 482193", "Мне пришёл 482193"; not "It is 1234567", "Это 4821930", nor a number alone: an
# order's, a template's, a count, an attack found) and that ends it, or is followed by another
# code or by a word that it is refused ("Got 482193, не подходит", "482193 and 551234",
# "Ввёл 482193 — неверный"; not "Got 4821930 complaints", "Received 154321, delivered 150000",
# "Пришло 12345678, это номер транзакции": a second attack); never a round number (a count:
# "Пришло 1250000").
_OPENS = re.compile(
    rf"[^\w\n]*+(?:(?:i|я|мне|мені|me|we|мы|ми|ви|вы|he|she|он|она|він|вона)\s+)?"
    rf"(?:{_RECEIVED}){_FILLERS}[^\w\n]{{0,6}}",
    re.IGNORECASE,
)
_CLOSES = re.compile(  # (spaces possessive: "482193" and 4,000 spaces took 4 s, an attack)
    rf"\W*+$|{_JOINING}\s*+\d{{6,8}}(?!\w)"
    # ...or a word that it is refused, maybe after "but" and a few words ("but it says invalid")
    r"|\s*+[,;—–-]?\s*+(?:(?:but|но|але|lekin|бірақ)(?:\s++[^\W\d]++){0,3}?\s++)?(?:"
    r"(?:не|not|doesn'?t|does not|is)\s++(?:подходит|подошёл|подошел|принимает|принят|"
    r"работает|підходить|приймає|працює|valid|accepted|work\w*|correct|right)"
    r"|неверн|невірн|invalid|wrong|incorrect)",
    re.IGNORECASE,
)
_ROUND = re.compile(r"\d+000")
# Only after a sentence that tells of no trouble: after an error, a code that did not come or a
# sending that stopped, what came next is as often an API's code or a status ("OTP fails. Got
# 400123", "OTP не доходит. Пришло 100500, что это?"); nor after OTP Bank's name.
_TROUBLE = re.compile(
    rf"{_ERROR_SAID.pattern}|(?:не|not|n't|never)\s+(?:приход|доход|пришл|пришё|пришел|дош|"
    r"прийш|надход|deliver|receiv|arriv|com|get|got|work|работ|працю)|kelma|келме|stopp|stuck|"
    r"завис|останов|зупин|block|блок",
    re.IGNORECASE,
)
_BANK = re.compile(r"\s+(?:bank|банк)", re.IGNORECASE)
# ...and only after one where a person asks for their code or speaks of it as theirs ("I
# requested an OTP", "Where is my OTP?", "Запросила код подтверждения"): after a business's
# ("Запустили OTP рассылку. Пришло 1234567.", "We integrated your OTP endpoint. Got 482193.")
# the number is as often a count, an id or a status (a third attack).
_ASKED = re.compile(
    r"(?<!\w)(?:i|my|me|я|мне|мой|моя|мені|мій|моє|men|menga|мен|маған|where|где|де|"
    r"requested|requesting|запрос\w*|запраш\w*|жду|ждал\w*|ждём|waiting|so'rad\w*|сұрад\w*)"
    r"(?!\w)",
    re.IGNORECASE,
)
_GIVEN_REACH = 40
# ...but not another number's, so given: "sender id is 482193", "номер заявки: 482193".
_OTHER_NUMBER = re.compile(
    r"(?<![^\W_])(?:id|ид|номер\w*|number|raqam\w*|нөмір\w*|order|заказ\w*|замовлен\w*|"
    r"account|аккаунт\w*|акаунт\w*|ticket|тикет\w*|обращени\w*|звернен\w*|заявк\w*|request|"
    r"case|ref|campaign|кампани\w*|рассылк\w*|розсилк\w*|batch|sender|отправител\w*|"
    r"відправник\w*|user|пользовател\w*|користувач\w*|login|логин\w*|логін\w*|count|"
    r"количеств\w*|кол-во|кількість|total|всего|всього|date|дата|time|время|час|balance|"
    r"баланс\w*|limit|лимит\w*|ліміт\w*|amount|сумм\w*|сума|build|version|верси\w*|сборк\w*|"
    r"trace|txn|transaction|транзакци\w*|платеж\w*|платіж\w*|invoice|сч[её]т\w*|рахун\w*|"
    r"договор\w*|договір\w*|template|шаблон\w*|client|клиент\w*|клієнт\w*|кпп|инн|ttl)"
    r"[\"']?(?:\s*(?:is|was|это|це|є|был[аои]?|був|була|було|сейчас|зараз|теперь|тепер|now|"
    r":|=|—|–|-)){0,2}[^\w\n]{0,6}$",
    re.IGNORECASE,
)
_NOT_MASKED = rf"(?![\[{{(\\\"'«“„]*{MASKED})"  # not again what a key's rule masked: "[<secret>,"
_VALUE = re.compile(rf"{_NOT_MASKED}\S+")
_NEXT = re.compile(rf"\s+{_NOT_MASKED}(\S+)")
_LABEL_WORD = re.compile(r"\s+([^\W\d_]+)(?!\w)")
_LABEL_WORDS = 3  # "пароль від кабінету", "password for my account"
_LABELLED_LENGTH = 5  # after a label, "v2" in "token for gosms v2" is a version, not a secret
_IN_TAG = re.compile(r"</?(?:[\w.-]+:)?$")  # <password>, </wsse:Password>: XML's, not prose
# What follows "password is", "пароль —" or "Bearer" when it describes rather than is the secret.
_DESCRIPTIONS = (
    "wrong incorrect invalid expired required missing empty not too correct right ok okay "
    "blocked locked changed reset weak short long the a an same valid accepted rejected denied "
    "unknown null none set lost different also still already being sent needed token auth of realm "
    "верный верные верна вірний вірні вірно правильные правильні "
    "authentication authorization header scheme "
    "неверный неправильный неверен неправилен недействителен недействительный истек истёк "
    "устарел не верный правильный пустой заблокирован слишком короткий сброшен изменен "
    "невірний неправильний недійсний застарів порожній заблокований занадто змінено скинуто "
    "правильний"
)
_DESCRIPTION = frozenset(_DESCRIPTIONS.split())
# A label between a name and its secret says nothing of the kind ("token error code: 1003").
_NOT_IN_LABEL = (NOT_A_SECRET_WORD | _DESCRIPTION) - {"the", "a", "an"}
_PIECE = re.compile(r"[\"',;]")
# "the secret is to send fewer sms": a word of a sentence, not a value.
_FUNCTION_WORDS = frozenset(["to", "that", "in", "on", "at", "for", "by", "with", "from"])
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
# Names after whose secret the sentence's other password-like words are taken too.
_TELLS_MORE = re.compile(rf"{PASSWORD_WORDS}|creds?|credentials?", re.IGNORECASE)
_TOLD_WITHIN = 40  # "пароль от личного кабинета: <secret>"
_SENTENCE_STOP = re.compile(r"[.!?](?:\s|$)")
# A word on its own, not a piece of markup or a query ("{"error":"40"}", "&to=1004"), of a
# password's length: entered at a word's start, read at most 64 characters ahead (a lazy run
# with the checks below read a 4,096-character word again from each length: 84 ms, found by
# an attack).
_OTHER_PASSWORD = re.compile(r"(?<!\S)([^\s,;{}\[\]\"'<>=&/]{4,64})(?=[\s,;]|$)")
_SYMBOL_BESIDE_LETTER = re.compile(r"[^\W\d_][!#$%&*@^~+=?]|[!#$%&*@^~+=?][^\W\d_]")


def mask_secret_words(text: str, *, eager: bool = False) -> str:
    """``text`` with every secret that a word before it names replaced, and a password before
    its name ("Hunter2Secret is my password"). ``eager`` (a message to the team, not a question
    to search): after a password's name, any value that ends a sentence or is five digits or
    more, after "is the" too; "code 482193"."""
    text = _BEFORE_NAME.sub(lambda found: _before_name(found, eager), text)
    text = _GLUED_DIGITS.sub(r"\1<secret>", text)
    if eager:
        text = _BARE_CODE.sub(_bare_code, text)
        text = _PAIR.sub(_pair, text)
    out: list[str] = []
    done = start = 0
    while name := _NAME.search(text, start):
        found = _secret_after(text, name, eager=eager)
        if found is None:
            start = name.end()
            continue
        secret_start, secret_end = found
        out += [text[done:secret_start], "<secret>"]
        done = start = secret_end
    text = "".join(out) + text[done:]
    return _more_after(text) if eager and "<secret>" in text else text


def mask_spaced_codes(text: str) -> str:
    """``text`` with each one-time code after its name masked, and every code after it (before
    the shapes', the keys' and the words' rules, which read its first group alone, or a list of
    backup codes as a card's number), and one before its name said to be one. An error's code
    after them is lost to the analytics with them ("radist 2fa 400 500"): a code in the log,
    not in the team's chat, is what the rule keeps."""
    if not any(c.isdigit() for c in text):
        return text
    text = _CODE_BEFORE_NAME.sub(_before_its_name, text)
    if _PASTED_SMS.search(text):
        text = _SMS_CODE.sub(lambda found: _masked_group(found, 1), text)
    text = _USE_CODE.sub(lambda found: _masked_group(found, 1), text)
    return _SPACED_CODE.sub(_spaced, text)


def mask_later_codes(text: str) -> str:
    """``text`` with the codes later in a sentence that names a one-time code masked (its lines
    kept: a line's end ends a sentence)."""
    if not _SIX_DIGITS.search(text):
        return text
    out: list[str] = []
    done = begun = 0
    phones: list[tuple[int, int]] | None = None
    carried = False  # a list's lines after codes named in plural
    follows = False  # the sentence before named a one-time code
    for over in (*_SENTENCE_OVER.finditer(text), None):
        end = over.start() if over else len(text)
        topic = _CODE_TOPIC.search(text, begun, end)
        named = topic.end() if topic else end  # (no topic: no code to read)
        listed = topic is not None and _PLURAL.search(text, topic.start(), end) is not None
        said = topic is not None and topic["said"] is not None
        item = None if topic or not carried else _LIST_LINE.match(text, begun, end)
        if item is not None:
            named, said = item.end(), True  # the line's code, as if said
        # The sentence after one naming a code, where a person asks for it and tells of no
        # trouble (see _OPENS, _TROUBLE, _ASKED).
        opening = follows and topic is None and item is None
        if opening:
            first = _LATER_CODE.search(text, begun, end)
            if first is not None and _OPENS.fullmatch(text, begun, first.start()):
                named, said = first.start(), True
        if text[begun:end].strip():  # (past a blank line, to the next one)
            follows = (
                topic is not None
                and _ASKED.search(text, begun, end) is not None
                and not _TROUBLE.search(text, begun, end)
                and not _BANK.match(text, topic.end())
            )
        carried = (listed or item is not None) and over is not None and over[0] == "\n"
        masked_end = -1
        for code in _LATER_CODE.finditer(text, named, end):
            start, after = code.span()
            before = max(named, start - _GIVEN_REACH)
            adjacent = before == named and not text[before:start].strip()
            if adjacent and not said:
                masked_end = after  # right after its name: the rules above mask it, whole
                continue
            given = (
                adjacent
                or (masked_end >= 0 and _JOINED_TO.fullmatch(text, masked_end, start))
                or (listed and _LISTED.search(text, before, start))
                or (
                    _GIVEN.search(text, before, start)
                    and not _OTHER_NUMBER.search(text, before, start)
                    and not _ERROR_SAID.search(text, before, start)
                )
            )
            if not given or _NOT_A_CODE.fullmatch(code[0]) or _ERROR_AFTER.match(text, after):
                continue
            if opening and (not _CLOSES.match(text, after, end) or _ROUND.fullmatch(code[0])):
                continue
            phones = phone_spans(text) if phones is None else phones
            if any(left <= start < right for left, right in phones):
                continue
            out += [text[done:start], "<secret>"]
            done = masked_end = after
        begun = over.end() if over else len(text)
    return "".join(out) + text[done:]


def _masked_group(found: re.Match[str], group: int) -> str:
    start, end = found.start(group) - found.start(), found.end(group) - found.start()
    return found.group()[:start] + "<secret>" + found.group()[end:]


def _before_its_name(found: re.Match[str]) -> str:
    code = next(group for group in (1, 2, 3) if found[group] is not None)
    digits = _digits(found[code])
    if digits < _SHORTEST_SPACED or (code == 3 and digits != _TOTP_DIGITS):  # (a bare "code")
        return found.group()
    return _masked_group(found, code)


def _error_before(text: str, start: int) -> bool:
    return _ERROR_BEFORE.search(text, max(0, start - 20), start) is not None


def _spaced(found: re.Match[str]) -> str:
    first = found[2]
    if not _a_code(first):
        return found.group()
    if _GROUP.fullmatch(first):  # as the name's own rule would judge it (_is_secret)
        name = found["name"]
        if name is None or _BARE.fullmatch(name):  # a password's or a bare code's: its rule's
            return found.group()
        shortest = _TOTP_DIGITS if name.casefold() in _FEATURES else _ONE_TIME_DIGITS
        # An error's word before the name or after the code asks about an error ("ошибка otp
        # 1004", "otp 1004 error"); six digits are the code itself ("ошибка otp 482193").
        asked = len(first) < _TOTP_DIGITS and (
            _ERROR_AFTER.match(found.string, found.end(2))
            or _error_before(found.string, found.start())
        )
        if len(first) < shortest or asked:
            return found.group()
    elif found["name"] and _BARE.fullmatch(found["name"]) and _digits(first) != _TOTP_DIGITS:
        return found.group()  # "код 1004 1005" asks about two codes; "code 482 193" is one
    more = _CODE.sub(_more, found[3])
    return found.group()[: found.start(2) - found.start()] + "<secret>" + more


def _more(code: re.Match[str]) -> str:
    """A code after the first masked; a longer run, a phone's or a card's, left as it is."""
    digits = _digits(code.group())
    return "<secret>" if _SHORTEST_SPACED <= digits <= _LONGEST_MORE else code.group()


def _digits(text: str) -> int:
    return sum(len(group) for group in _GROUP.findall(text))


def _a_code(digits: str) -> bool:
    """Whether ``digits`` (in groups or not) are enough for a one-time code."""
    return _digits(digits) >= _SHORTEST_SPACED


def _pair(found: re.Match[str]) -> str:
    """A login and a password named together: both values masked when a mark parts them from
    the names or one of them reads as a password ("логин и пароль не подходят" stays)."""
    first, second = found["first"], found["second"]
    strong = not found["separator"].isspace()
    masked = re.fullmatch(MASKED, first) is not None  # the login, masked by a rule before
    if re.fullmatch(MASKED, second.rstrip(TRAILING)):
        return found.group()
    if not (strong or masked or looks_secret(first) or looks_secret(second)):
        return found.group()
    words = {first.casefold().rstrip(TRAILING), second.casefold().rstrip(TRAILING)}
    if words & (NO_VALUE | _DESCRIPTION):
        return found.group()  # "логин/пароль: где их взять?", "login and password: both correct"
    kept = closing(second)
    return (
        found.string[found.start() : found.start("first")]
        + f"{first if masked else '<secret>'}{found['between']}<secret>{kept}"
    )


def _more_after(text: str) -> str:
    """After the first password masked (by any rule) behind its name, the sentence's other words
    that read as one (a digit and a letter, or a symbol among letters): "password: qwerty, also
    tried Hunter2", "пароли: qwerty, hunter2"."""
    for name in _NAME.finditer(text):
        if _TELLS_MORE.fullmatch(name.group()):
            at = text.find("<secret>", name.end(), name.end() + _TOLD_WITHIN)
            if at >= 0:
                break
    else:
        return text
    start = at + len("<secret>")
    end = _SENTENCE_STOP.search(text, start)
    out, done = [], 0
    for found in _OTHER_PASSWORD.finditer(text, start, end.start() if end else len(text)):
        word = found[1].rstrip(TRAILING)
        if _reads_as_password(word) and not re.search(MASKED, word):
            out += [text[done : found.start()], "<secret>"]
            done = found.start() + len(word)
    return "".join(out) + text[done:]


def _reads_as_password(word: str) -> bool:
    """A digit and a letter in it, or a symbol beside a letter: "Hunter2", "Qwe!rty"."""
    if any(char.isdigit() for char in word) and any(char.isalpha() for char in word):
        return True
    return _SYMBOL_BESIDE_LETTER.search(word) is not None


def _before_name(found: re.Match[str], eager: bool) -> str:
    value = found[2]
    if value.isdigit():
        secret = eager and len(value) >= _PASSWORD_DIGITS
    else:
        secret = looks_secret(value) and not re.fullmatch(MASKED, value)
    if not secret:
        return found.group()
    return f"{found[1]}<secret>{found[1]}{found[3]}" + found.string[found.end(3) : found.end()]


def _bare_code(found: re.Match[str]) -> str:
    after = _ERROR_AFTER.match(found.string, found.end())
    if after_error_word(found.string, found.start()) or after:  # "code 100500 error"
        return found.group()
    return _masked_group(found, 2)


def looks_secret(value: str) -> bool:
    """Whether a word reads as a password rather than a word: a digit, mixed case, a symbol."""
    bare = value.rstrip(TRAILING)
    if not bare or bare.isdigit():
        return False
    return not (bare.isalpha() and (bare.islower() or bare.isupper() or bare.istitle()))


def _secret_after(text: str, name: re.Match[str], *, eager: bool = False) -> tuple[int, int] | None:
    """Where the secret that ``name`` names is, if there is one: after a separator ("password:
    x", "пароль — x", "password is x"), maybe behind a label of a few words, or after a space
    and such a label when it does not read as a word ("пароль від кабінету hunter2")."""
    word, label, position = name.group(), 0, name.end()
    if _IN_TAG.search(text, max(0, name.start() - 40), name.start()):
        return None
    password = _PASSWORD.fullmatch(word) is not None
    quoted_key = text[name.start() - 1 : name.start()] in ('"', "'")
    eager = eager and password
    while True:
        if password and not quoted_key and (quoted := _QUOTED.match(text, position)):
            return quoted.start(1), quoted.end(1)  # password "qwerty", пароль «qwerty»
        if separator := _SEPARATOR.match(text, position):
            if not quoted_key and (quoted := _QUOTED.match(text, separator.end())):
                return quoted.start(1), quoted.end(1)  # пароль - «my secret phrase»
            value = _VALUE.match(text, separator.end())
            if value is None or phone_at(text, value.start()):
                return None
            # A comma, a semicolon or a slash parts a name from what follows as a space does.
            judged = " " if _WEAK.fullmatch(separator.group()) else separator.group()
            if eager and value.group().casefold() in _ARTICLES and judged.strip():
                position = separator.end() - 1  # "is the word qwerty": read on, as a label
                continue
            ends = _ends(text, value.end())
            if not _is_secret(text, name, judged, value.group(), eager=eager,
                              ends=ends):  # fmt: skip
                return None
            end = value.end()
            if value.group().isalpha() and not judged.isspace():
                end = passphrase_end(text, end)
            opened = value.group()[0] in "\"'«“„"  # 'hunter2' keeps its quotes around the mask
            return value.start() + opened, end - len(closing(text[value.start() : end]))
        following = _NEXT.match(text, position)
        if following is None:
            return None
        if not any(char.isalnum() for char in following[1]):  # a mark: "otp > 482193", "otp №"
            position = following.end()  # (it was masked, the code after it stored: an attack)
            continue
        if phone_at(text, following.start(1)):
            return None
        ends = _ends(text, following.end(1))
        labelled = (
            label
            and len(following[1]) < _LABELLED_LENGTH
            and not (eager and ends)
            and not _DIGITS_SECRET.fullmatch(word)
        )
        if not labelled and _is_secret(text, name, "", following[1], label, eager=eager,
                                       ends=ends):  # fmt: skip
            return following.start(1), following.end(1) - len(closing(following[1]))
        label_word = _LABEL_WORD.match(text, position)
        if word.casefold() == "bearer" or label == _LABEL_WORDS or label_word is None:
            return None
        if label_word[1].casefold() in _NOT_IN_LABEL and not (
            _DIGITS_SECRET.fullmatch(word) and label_word[1].casefold() in ("код", "code")
        ):  # "CVV код 123"
            return None
        label, position = label + 1, label_word.end()


def _ends(text: str, end: int) -> bool:
    """Whether a value ending at ``end`` ends its sentence, or is said to be refused there
    ("пароль qwerty не подходит")."""
    return _SENTENCE_END.match(text, end) is not None or _REFUSED_AFTER.match(text, end) is not None


def _is_secret(
    text: str, name: re.Match[str], separator: str, value: str, label: int = 0, *,
    eager: bool = False, ends: bool = False,
) -> bool:  # fmt: skip
    """Whether ``value`` after ``name`` is the secret it names. ``eager``: after a password's
    name in a message to the team, five digits or more are one, and so is a word that ends a
    sentence (``ends``) unless it describes or asks."""
    word = name.group()
    # Judged by its first piece: after "token " in JSON, 'expired","token_type":"bearer"}'.
    bare = _PIECE.split(value.lstrip("\"'«“„"), 1)[0].rstrip(TRAILING)
    if not bare:
        return False
    if eager and bare.isdigit() and len(bare) >= _PASSWORD_DIGITS:
        return True
    # After an arrow the secret, unless a word (a path in an app, in a question). Digits: a
    # one-time code's or a PIN's as after any other mark ("otp -> 482193" was stored: the fifth
    # attack), any other name's as after a space ("token → 401" is an error's code).
    if _ARROW.search(separator) and bare.isdigit():
        digits_named = _ONE_TIME.fullmatch(word) or _DIGITS_SECRET.fullmatch(word)
        if not (digits_named or _PASSWORD.fullmatch(word)):
            return len(bare) > _CODE_DIGITS
    elif _ARROW.search(separator):
        if bare.casefold() in _DESCRIPTION or bare.casefold() in _NOT_A_PASSWORD:
            return False
        return eager or looks_secret(bare)
    if _DATE.fullmatch(bare) or bare.endswith("%"):  # "сменил пароль 12.05.2024", "90%"
        return False
    # A word that ends the sentence after the name ("мой пароль qwerty", "пароль от кабинета
    # qwerty"); behind a label, a capital says a name ("password for Radist?").
    named = label and not bare.islower()
    if eager and ends and not named and not _STRONG.search(separator) and not bare.isdigit():
        folded = bare.casefold()
        if len(folded) >= _WORD_LENGTH and not (
            folded in _NOT_IN_LABEL or folded in _NOT_A_PASSWORD
        ):
            return True
    if word.casefold() == "bearer" and not separator.strip():  # a Bearer's token, whatever it is
        return bare.casefold() not in _DESCRIPTION
    if bare.isdigit():
        if _DIGITS_SECRET.fullmatch(word):  # a PIN's or a CVV's three digits at least
            return len(bare) >= SHORTEST_PIN  # ("The PIN is 4 digits or 6?")
        if _ONE_TIME.fullmatch(word):  # not behind a label: "код из смс gosms 1004"
            said_error = _ERROR_AFTER.match(text, text.find(bare, name.end()) + len(bare))
            # "2FA" names the feature as often as its code: its codes have six digits ("radist
            # 2fa 1004" asks about an error)
            shortest = _TOTP_DIGITS if word.casefold() in _FEATURES else _ONE_TIME_DIGITS
            # ("otp 482193 ошибка 1004": six digits before an error's word are the code itself)
            said = said_error is not None or _error_before(text, name.start())  # "ошибка otp 1004"
            asked = said and len(bare) < _TOTP_DIGITS
            return len(bare) >= shortest and not label and not asked
        # "gosms token 1003", "Ошибка токена: 1003": an error's code.
        code = not separator.strip() or after_error_word(text, name.start())
        return len(bare) > _CODE_DIGITS or not code
    if _STRONG.search(separator):  # whatever it reads as, but for a question or a shrug
        return not no_value(bare)  # but "Пароль: забыл", "Token: where?", "password: expired"
    if bare.startswith(("/", "./", "~/")):  # a path: "grep -r token /etc/app"
        return False
    if label and bare.isalpha():  # behind a label, a name: "токен для GoSMS"
        return False
    if separator.strip():  # "is", a dash
        folded = bare.casefold()
        return folded not in _DESCRIPTION and folded not in _FUNCTION_WORDS
    # A plain word ("password too many attempts") cannot be told from a description, but one of
    # _LONGEST_WORD Latin letters or more is none a sentence says ("token abcdefghijklmnopqrstuvwx";
    # Russian says "токен высокопроизводительного сервера").
    if len(bare) >= _LONGEST_WORD and bare.isascii():
        return True
    return not (bare.isalpha() and (bare.islower() or bare.isupper() or bare.istitle()))
