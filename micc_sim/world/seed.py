"""The embedded default world: a small contact center generated with faker from a fixed seed.

Same seed, same world: names and GUIDs are identical on every run and on every machine, so the
README, scenarios and tests can name them. ``micc-sim world export`` prints it as a world file.

faker is not a dependency of the simulator: the generated world ships as data (``default_world.json``) and is
what a user's installation serves; with faker installed (the ``world`` and ``test`` extras) it is generated, and
a test keeps the shipped file equal to the generator. After changing the generator, write the file anew with
``python -m micc_sim.world.seed``.
"""

from __future__ import annotations

import functools
import sys
from datetime import date
from pathlib import Path

from micc_sim.world.cloudlink_config import (
    AccountConfig,
    AgreementConfig,
    AgreementItemConfig,
    ApplicationConfig,
    ClientConfig,
    CloudLinkConfig,
    OfferingConfig,
    QuoteConfig,
    QuoteItemConfig,
    UserConfig,
    cl_hex,
)
from micc_sim.world.config import (
    AgentGroupConfig,
    AgentProfileConfig,
    ContactConfig,
    EmployeeConfig,
    MediaServerConfig,
    QueueConfig,
    ReasonCodeConfig,
    SiteConfig,
    WorldConfig,
)
from micc_sim.world.model import MediaType, PresenceAvailability, ReasonKind, Role

SEED = 4242
AGENT_PASSWORD = "password"
TALKATIVE_SECRET = "7d9f1b26-2a7b-46e9-a2e7-1acb3ea5b26d"  # the integrator guide's own example
PARTNER_DOMAIN = "partner.example.com"
PARTNER_NUMBER = "100000001"
ACCOUNT_NUMBER = "105444491"  # the account number of the CloudLink guides' examples
CLOUDLINK_CLIENT_ID = cl_hex("client", "integration")
CLOUDLINK_CLIENT_SECRET = cl_hex("client-secret", "integration")
CLOUDLINK_APPLICATION_ID = cl_hex("application", "sample app")

# (reporting, media the agent is ready for, logged in)
_AGENTS = [
    ("1001", [MediaType.OpenMedia], True),
    ("1002", [MediaType.OpenMedia], True),
    ("1003", [MediaType.OpenMedia], True),
    ("1004", [MediaType.OpenMedia, MediaType.Chat], True),
    ("1005", [MediaType.OpenMedia], False),
    ("2001", [MediaType.Chat], True),
    ("2002", [MediaType.Chat], True),
    ("3001", [MediaType.Voice], True),
    ("3002", [MediaType.Voice], True),
    ("3003", [MediaType.Voice], False),
]


SHIPPED = Path(__file__).with_name("default_world.json")


def default_world() -> WorldConfig:
    """A new copy of the default world (callers may change it)."""
    try:
        return generate_default_world()
    except ImportError:
        return WorldConfig.model_validate_json(_shipped())


@functools.cache
def _shipped() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def generate_default_world() -> WorldConfig:
    """The default world, from faker's data and the fixed seed (raises ImportError without faker)."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(SEED)
    used: set[str] = set()

    def username(first: str, last: str) -> str:
        base = (first[0] + last).lower().replace("'", "").replace(" ", "")
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}{n}"
        used.add(name)
        return name

    employees = [
        EmployeeConfig(id=fake.uuid4(), username="_admin", password="_password", first_name="MiCC",
                       last_name="Administrator", role=Role.ADMINISTRATOR),
    ]
    first, last = fake.first_name(), fake.last_name()
    employees.append(EmployeeConfig(
        id=fake.uuid4(), username=username(first, last), password=AGENT_PASSWORD, first_name=first,
        last_name=last, role=Role.SUPERVISOR, extension="1900"))
    for reporting, media, logged_in in _AGENTS:
        first, last = fake.first_name(), fake.last_name()
        employees.append(EmployeeConfig(
            id=fake.uuid4(), username=username(first, last), password=AGENT_PASSWORD, first_name=first,
            last_name=last, role=Role.AGENT, reporting=reporting, extension=str(int(reporting) + 4000),
            logged_in=logged_in,
            presence=PresenceAvailability.Available if logged_in else PresenceAvailability.Offline,
            ready_media=media,
        ))

    groups = [
        AgentGroupConfig(id=fake.uuid4(), name="Open Media Agents", reporting="8001",
                         members=["1001", "1002", "1003", "1004", "1005"]),
        AgentGroupConfig(id=fake.uuid4(), name="Chat Agents", reporting="8002", members=["2001", "2002", "1004"]),
        AgentGroupConfig(id=fake.uuid4(), name="Voice Agents", reporting="8003",
                         members=["3001", "3002", "3003"]),
        AgentGroupConfig(id=fake.uuid4(), name="Training Agents", reporting="8004", members=[]),
    ]

    om = MediaType.OpenMedia
    queues = [
        QueueConfig(id=fake.uuid4(), name="Web Chat", reporting="P7001", media_type=om,
                    media_server="Open Media Server", agent_groups=["Open Media Agents"]),
        QueueConfig(id=fake.uuid4(), name="Social Media", reporting="P7002", media_type=om,
                    media_server="Open Media Server", agent_groups=["Open Media Agents", "Chat Agents"]),
        QueueConfig(id=fake.uuid4(), name="Unvalidated Tasks", reporting="P7003", media_type=om,
                    media_server="Open Media Server", agent_groups=["Open Media Agents"],
                    workflow_validated=False),
        QueueConfig(id=fake.uuid4(), name="Training", reporting="P7004", media_type=om,
                    media_server="Open Media Server", agent_groups=["Training Agents"]),
        QueueConfig(id=fake.uuid4(), name="Overflow", reporting="P7009", media_type=om,
                    media_server="Open Media Server", agent_groups=["Open Media Agents"]),
        QueueConfig(id=fake.uuid4(), name="Sales Chat", reporting="P8001", media_type=MediaType.Chat,
                    media_server="Web Chat Server", agent_groups=["Chat Agents"]),
        QueueConfig(id=fake.uuid4(), name="Support Voice", reporting="P9001", media_type=MediaType.Voice,
                    media_server="MiVoice Business", agent_groups=["Voice Agents"]),
    ]

    servers = [
        MediaServerConfig(id=fake.uuid4(), name="Open Media Server", media_type=om,
                          default_queue="Web Chat", routing_failure_queue="Overflow"),
        MediaServerConfig(id=fake.uuid4(), name="Web Chat Server", media_type=MediaType.Chat),
        MediaServerConfig(id=fake.uuid4(), name="MiVoice Business", media_type=MediaType.Voice),
    ]

    return WorldConfig(
        site=SiteConfig(id=fake.uuid4(), name=fake.company()),
        media_servers=servers,
        agent_profiles={
            "default": AgentProfileConfig(accept_delay=3, handle_time=120),
            "manual": AgentProfileConfig(accept_delay=None, handle_time=None),  # driven through the APIs
        },
        employees=employees,
        agent_groups=groups,
        queues=queues,
        reason_codes=[
            ReasonCodeConfig(name="Lunch", code="100", kind=ReasonKind.Busy),
            ReasonCodeConfig(name="Meeting", code="101", kind=ReasonKind.Busy),
            ReasonCodeConfig(name="Break", code="102", kind=ReasonKind.Busy),
            ReasonCodeConfig(name="Coaching", code="200", kind=ReasonKind.DoNotDisturb),
        ],
        contacts=[
            ContactConfig(name="Acme Support", email="support@acme.example", phone="+1 555 0100"),
            ContactConfig(name="Ada Lovelace", email="ada@example.com", mobile_phone="+44 7700 900123"),
            ContactConfig(name="Grace Hopper", kind="ADUser", email="ghopper@corp.example", extension="4100"),
            ContactConfig(name="Alan Turing", kind="ADContact", email="alan@partner.example", phone="+44 20 7946 0001"),
            ContactConfig(name="Sales Team", kind="ADGroup", email="sales@corp.example"),
        ],
        clients=[{"Id": "Talkative", "Secret": TALKATIVE_SECRET}],
        cloudlink=default_cloudlink(employees),
    )


def default_cloudlink(employees: list[EmployeeConfig]) -> CloudLinkConfig:
    """The CloudLink tenant: a partner with one customer account, whose users are the MiCC employees
    (same names, extensions and passwords; each agent's state flows into their presentity)."""
    domain = "wagner.example.com"
    users = [
        UserConfig(email=f"partner.admin@{PARTNER_DOMAIN}", name="Pat Partner", role="PARTNER_ADMIN",
                   account=PARTNER_NUMBER),
        UserConfig(email=f"admin@{domain}", name="Account Administrator", role="ACCOUNT_ADMIN",
                   account=ACCOUNT_NUMBER),
        # in both accounts: a password grant without account_id is ambiguous (409)
        UserConfig(email=f"consultant@{PARTNER_DOMAIN}", name="Casey Consultant", role="USER",
                   account=PARTNER_NUMBER),
        UserConfig(email=f"consultant@{PARTNER_DOMAIN}", name="Casey Consultant", role="USER",
                   account=ACCOUNT_NUMBER),
    ]
    for e in employees:
        if e.role is Role.ADMINISTRATOR:
            continue
        users.append(UserConfig(
            email=f"{e.first_name}.{e.last_name}@{domain}".lower().replace(" ", ""), password=e.password,
            name=f"{e.first_name} {e.last_name}", role="USER", account=ACCOUNT_NUMBER, extension=e.extension,
            micc_employee=e.username))
    return CloudLinkConfig(
        accounts=[
            AccountConfig(number=PARTNER_NUMBER, name="Wagner Partners", label="wagner-partners"),
            AccountConfig(number=ACCOUNT_NUMBER, name="Wagner Group", label="wagner", partner=PARTNER_NUMBER),
        ],
        users=users,
        clients=[ClientConfig(client_id=CLOUDLINK_CLIENT_ID, secret=CLOUDLINK_CLIENT_SECRET, name="Integration",
                              role="ACCOUNT_ADMIN", account=ACCOUNT_NUMBER)],
        applications=[ApplicationConfig(client_id=CLOUDLINK_APPLICATION_ID, name="Sample App", account=PARTNER_NUMBER,
                                        redirect_uris=["http://127.0.0.1:8765/callback",
                                                       "https://app.example.com/loginsuccess"])],
        agreements=default_agreements(),
        offerings=default_offerings(),
        quotes=[QuoteConfig(name="Wagner Group - contact center expansion", account=ACCOUNT_NUMBER,
                            created=date(2026, 11, 2), valid_until=date(2026, 12, 31), cpq_tracking_id="CPQ-2026-0042",
                            items=[QuoteItemConfig(sku="SIM-MICC-AGENT", quantity=5, discount_percent=5),
                                   QuoteItemConfig(sku="SIM-MICC-SUPERVISOR", quantity=2)])],
    )


def default_agreements() -> list[AgreementConfig]:
    """The Service Delivery catalogue: the customer's subscription with its distributor (the partner). SKUs and
    prices are fictional."""
    return [AgreementConfig(
        name="Wagner Group - MiVoice Business subscription", account=ACCOUNT_NUMBER, start=date(2026, 1, 1),
        end=date(2028, 12, 31), initial_date=date(2025, 12, 15), pays_after_days=45, items=[
            AgreementItemConfig(sku="SIM-MVB-USER-PREMIUM", name="MiVoice Business User - Premium", quantity=25,
                                unit_price=18.0, discount_percent=10),
            AgreementItemConfig(sku="SIM-MICC-AGENT", name="MiContact Center Business Agent", quantity=10,
                                unit_price=45.0, discount_percent=5),
            AgreementItemConfig(sku="SIM-MVB-VA", name="MiVoice Business Virtual Appliance", quantity=1,
                                unit_price=0.0, serial_number="MVB-WAGNER-0001"),
        ])]


def default_offerings() -> list[OfferingConfig]:
    """The price list orders add from and quotes offer (fictional SKUs and prices, those of the agreement's)."""
    return [
        OfferingConfig(sku="SIM-MVB-USER-PREMIUM", name="MiVoice Business User - Premium", unit_price=18.0),
        OfferingConfig(sku="SIM-MVB-USER-STANDARD", name="MiVoice Business User - Standard", unit_price=12.0),
        OfferingConfig(sku="SIM-MICC-AGENT", name="MiContact Center Business Agent", unit_price=45.0),
        OfferingConfig(sku="SIM-MICC-SUPERVISOR", name="MiContact Center Business Supervisor", unit_price=55.0),
        OfferingConfig(sku="SIM-MVB-VA", name="MiVoice Business Virtual Appliance", unit_price=0.0),
    ]


def write_shipped(path: Path = SHIPPED) -> None:
    path.write_text(generate_default_world().model_dump_json(exclude_defaults=True, indent=1) + "\n",
                    encoding="utf-8")


if __name__ == "__main__":
    write_shipped(Path(sys.argv[1]) if len(sys.argv) > 1 else SHIPPED)
    print(f"wrote {sys.argv[1] if len(sys.argv) > 1 else SHIPPED}")
