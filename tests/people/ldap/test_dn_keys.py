"""The DN key's fast path (one regular expression, then lower-case and swap the separators) gives the key the
full RFC 4514 parser gives, for every DN it accepts; DNs it does not accept take the slower paths, which agree
with the parser too. No directory needed: pure functions over generated DNs."""

import ldap
from hypothesis import example, given, settings
from hypothesis import strategies as st

from intranet.people.ldap import _SIMPLE_DN, dn_key, dn_key_of, rdn_value

# Letters (accented too), digits, the separators and every character that has a meaning in a DN.
ALPHABET = 'abcXYZéÉ019 -._,=+\\"#<>;\t'


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
@example("uid=agent00005,ou=Service 0.5,ou=Direction 0,ou=people,dc=ccfi,dc=bench")
@example("cn=a=b,dc=x")
@example("ou=Eau\\, Assainissement,dc=x")
@example("cn= padded ,dc=x")
@example("cn=x,,dc=y")
@example("cn=b1\\b1Z1,dc=x")
def test_the_fast_key_is_the_parsers_key(dn):
    try:
        parsed = dn_key(ldap.dn.str2dn(dn))
    except (ldap.DECODING_ERROR, UnicodeDecodeError):  # the latter: a hex escape that is not UTF-8
        parsed = None
    if _SIMPLE_DN.fullmatch(dn):
        assert parsed is not None, dn
        assert dn.lower().replace(",", "\x1f") == parsed, dn
    if parsed is not None and dn:
        assert dn_key_of(dn) == parsed, dn
    else:
        dn_key_of(dn)  # a DN the parser refuses gets a key or None, never an exception


# DNs shaped like a directory's: a few RDNs of a usual type and a value from the same alphabet.
_rdn = st.tuples(
    st.sampled_from(["cn", "OU", "dc", "uid", "2.5.4.3", "x-Attr"]),
    st.text(alphabet=ALPHABET.replace(",", "").replace("=", ""), min_size=1, max_size=12),
)
SHAPED = st.lists(_rdn, min_size=1, max_size=5).map(lambda rdns: ",".join(f"{t}={v}" for t, v in rdns))


@settings(max_examples=400, deadline=None)
@given(SHAPED)
def test_the_fast_key_is_the_parsers_key_for_directory_shaped_dns(dn):
    test_the_fast_key_is_the_parsers_key.hypothesis.inner_test(dn)


def test_rdn_value_of_an_unparsable_dn_is_the_dn():
    assert rdn_value("cn=Informatique,ou=groups,dc=x") == "Informatique"
    assert rdn_value("cn=b1\\b1Z1") == "cn=b1\\b1Z1"  # not UTF-8 once unescaped
    assert rdn_value("cn=a\\") == "cn=a\\"  # a dangling escape
