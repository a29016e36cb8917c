"""Demo data: the demo staff accounts enrolled with fixed TOTP secrets that README.md publishes.

Demo secrets only, as public as the demo password: they exist in the data `seed_demo` creates (which refuses
to run without DEBUG), never in the code paths or settings of a real installation.
"""

from base64 import b32decode

from django_otp.plugins.otp_totp.models import TOTPDevice

# username -> base32 secret, as an authenticator app or `oathtool --totp -b SECRET` takes it.
DEMO_TOTP_SECRETS = {
    "admin.si": "MNRWM2JNMRSW23ZNMFSG22LOFZZWSLJR",
    "camille.martin": "MNRWM2JNMRSW23ZNMNQW22LMNRSS2MBR",
    # The news approver reaches /cms/ through a group, without being staff: the admin asks her for a factor.
    "aurelie.lemaire": "MNRWM2JNMRSW23ZNMF2XEZLMNFSS2MBR",
    # The archivist edits the retention rules in /cms/ through the « Archivistes » group: the same.
    "francois.declercq": "MNRWM2JNMRSW23ZNMFZGG2DJOZSS2MBR",
}


def seed_demo_second_factor(*, stdout, agents) -> None:
    enrolled = []
    for username, secret in DEMO_TOTP_SECRETS.items():
        user = agents.get(username)
        if user is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            continue
        TOTPDevice.objects.create(
            user=user, name="Application d'authentification", key=b32decode(secret).hex(), confirmed=True
        )
        enrolled.append(username)
    stdout.write(f"  Second facteur (TOTP) : {len(enrolled)} compte(s) enrôlé(s)\n")
    for username, secret in DEMO_TOTP_SECRETS.items():
        if username in agents:
            stdout.write(f"  {username} : secret TOTP {secret} (oathtool --totp -b {secret})\n")
