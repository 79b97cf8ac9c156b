"""The ``catalog`` section of a world file: the configuration a MiCC server keeps beside its agents and queues
(warning reasons, mail servers, prompts, variables, application profiles, DNIS numbers, account codes, queue
groups, reply templates, the softphone gateway). Every list has a small default, so a world file may leave the
section out; ids left out are derived from the names (UUID v5), as elsewhere in a world file."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NamedConfig(_Strict):
    id: str | None = None
    name: str


class MailServerConfig(NamedConfig):
    smtp_server: str = "smtp.example.com"
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_uses_ssl: bool = True
    from_name: str = ""
    from_email: str = ""
    incoming_server: str = "imap.example.com"
    incoming_port: int = Field(993, ge=1, le=65535)
    incoming_folder: str = "Inbox"
    aliases: list[str] = Field(default_factory=list, description="e-mail addresses this server receives for")


VariableType = Literal["Unspecified", "Digits", "Number", "Dollars", "Euros", "Pounds", "DateTime"]


class VariableConfig(NamedConfig):
    display_name: str = ""
    description: str = ""
    type: VariableType = "Unspecified"
    category: Literal["System", "Custom"] = "Custom"
    send_to_desktop: bool = True
    show_on_agent_toaster: bool = False
    read_only: bool = False


class ApplicationProfileConfig(NamedConfig):
    application: str = Field(description="the application it belongs to, e.g. Ignite")


class DnisConfig(NamedConfig):
    number: str = Field(description="the dialled number")
    reporting: str
    queue: str | None = Field(None, description="the queue (name or reporting) calls to this number reach")
    use_as_default: bool = False


class AccountCodeConfig(NamedConfig):
    reporting: str
    employees: list[str] = Field(default_factory=list, description="usernames or reporting numbers (empty: all)")


class QueueGroupConfig(NamedConfig):
    reporting: str
    queues: list[str] = Field(default_factory=list, description="queue names or reporting numbers")


class PersonalTemplateConfig(_Strict):
    media: Literal["Chat", "Email", "Sms"]
    path: str = Field(description="folder/…/file name, relative to the employee's own template folder")
    text: str
    employee: str | None = Field(None, description="username or reporting number (none: every employee)")


class GlobalTemplateConfig(_Strict):
    id: str | None = None
    template: str = Field(description="the template's name")
    text: str
    media: Literal["Chat", "Email", "Sms", "OpenMedia", "Voice"] = "Email"
    tags: list[str] = Field(default_factory=list)
    queues: list[str] = Field(default_factory=list, description="queue names or reporting numbers")
    customer_text: str = ""


class LicenceConfig(_Strict):
    """The site's licences: agents logged in for voice, and for multimedia (open media, chat, e-mail, SMS)."""

    voice: int = Field(100, ge=0)
    multimedia: int = Field(100, ge=0, description="0: the site has no multimedia licence; open media items are "
                                                   "refused")


class SoftphoneConfig(_Strict):
    gateway_type: str = "MiVoiceBorderGateway"
    gateway_domain: str = "mbg.example.com"
    gateway_port: str = "5061"
    jwt_issuer: str = "MiCCSDK"


def _named(cls: type[NamedConfig], *names: str) -> list[NamedConfig]:
    return [cls(name=n) for n in names]


class CatalogConfig(_Strict):
    warning_reasons: list[NamedConfig] = Field(
        default_factory=lambda: _named(NamedConfig, "Customer waiting too long", "Response overdue", "Escalation"))
    prompts: list[NamedConfig] = Field(
        default_factory=lambda: _named(NamedConfig, "Welcome", "All agents busy", "After hours"))
    mail_servers: list[MailServerConfig] = Field(default_factory=lambda: [
        MailServerConfig(name="Support mail", from_name="Support", from_email="support@example.com",
                         aliases=["support@example.com", "help@example.com"])])
    variables: list[VariableConfig] = Field(default_factory=lambda: [
        VariableConfig(name="CustomerId", display_name="Customer id", type="Digits"),
        VariableConfig(name="AccountBalance", display_name="Balance", type="Dollars"),
        VariableConfig(name="CallerNumber", display_name="Caller", category="System", read_only=True)])
    application_profiles: list[ApplicationProfileConfig] = Field(default_factory=lambda: [
        ApplicationProfileConfig(name="Default", application="Ignite"),
        ApplicationProfileConfig(name="Supervisor", application="Ignite"),
        ApplicationProfileConfig(name="Default", application="ContactCenterClient")])
    dnis: list[DnisConfig] = Field(default_factory=list, description="none: one per voice queue, derived")
    account_codes: list[AccountCodeConfig] = Field(default_factory=lambda: [
        AccountCodeConfig(name="Sales", reporting="501"), AccountCodeConfig(name="Support", reporting="502")])
    queue_groups: list[QueueGroupConfig] = Field(default_factory=list,
                                                 description="none: one group of every queue of each media")
    personal_templates: list[PersonalTemplateConfig] = Field(default_factory=lambda: [
        PersonalTemplateConfig(media="Chat", path="Greetings/Hello.txt", text="Hello, how can I help you?"),
        PersonalTemplateConfig(media="Chat", path="Closing/Goodbye.txt", text="Thank you for contacting us."),
        PersonalTemplateConfig(media="Email", path="Signatures/Default.html", text="<p>Kind regards</p>"),
        PersonalTemplateConfig(media="Sms", path="Quick/Thanks.txt", text="Thanks! We'll be in touch.")])
    global_templates: list[GlobalTemplateConfig] = Field(default_factory=lambda: [
        GlobalTemplateConfig(template="Order status", text="Your order is on its way.", tags=["orders"]),
        GlobalTemplateConfig(template="Opening hours", text="We are open 9-5, Monday to Friday.", media="Chat",
                             tags=["info"])])
    template_root: str = Field(r"\\micc\ReplyTemplates", description="the reply templates' base directory")
    softphone: SoftphoneConfig = Field(default_factory=SoftphoneConfig)
    licences: LicenceConfig = Field(default_factory=LicenceConfig)
