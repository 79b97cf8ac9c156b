"""The MiCC SDK surface: its contract and the stateful handlers of each tag, keyed by operationId.

Operations of the contract that no tag module handles are answered with synthesized data
(``micc_sim.spec.synthesis``); ``micc-sim coverage`` lists which is which.
"""

from __future__ import annotations

from micc_sim.faces.micc.agents import responses as agents
from micc_sim.faces.micc.agents.softphone import HANDLERS as SOFTPHONE
from micc_sim.faces.micc.applicationprofiles.responses import HANDLERS as APPLICATION_PROFILES
from micc_sim.faces.micc.cases.responses import HANDLERS as CASES
from micc_sim.faces.micc.chat.responses import HANDLERS as CHAT
from micc_sim.faces.micc.conversations import responses as conversations
from micc_sim.faces.micc.conversations.calldetails import HANDLERS as CALL_DETAILS
from micc_sim.faces.micc.diagnostics.responses import HANDLERS as DIAGNOSTICS
from micc_sim.faces.micc.directory import responses as directory
from micc_sim.faces.micc.dnis.responses import HANDLERS as DNIS
from micc_sim.faces.micc.email.responses import HANDLERS as EMAIL
from micc_sim.faces.micc.employees import responses as employees
from micc_sim.faces.micc.employees.devices import HANDLERS as EMPLOYEE_DEVICES
from micc_sim.faces.micc.extensions.responses import HANDLERS as EXTENSIONS
from micc_sim.faces.micc.globalreplytemplates.responses import HANDLERS as GLOBAL_REPLY_TEMPLATES
from micc_sim.faces.micc.history.responses import HANDLERS as HISTORY
from micc_sim.faces.micc.mailservers.responses import HANDLERS as MAIL_SERVERS
from micc_sim.faces.micc.openmedia.responses import HANDLERS as OPENMEDIA
from micc_sim.faces.micc.prompts.responses import HANDLERS as PROMPTS
from micc_sim.faces.micc.queues import responses as queues
from micc_sim.faces.micc.queues.groups import HANDLERS as QUEUE_GROUPS
from micc_sim.faces.micc.sms.responses import HANDLERS as SMS
from micc_sim.faces.micc.system import responses as system
from micc_sim.faces.micc.variables.responses import HANDLERS as VARIABLES
from micc_sim.faces.micc.warningreasons.responses import HANDLERS as WARNING_REASONS
from micc_sim.faces.micc.webhooks import delivery
from micc_sim.faces.micc.webhooks.responses import HANDLERS as WEBHOOKS
from micc_sim.spec.router import Handler

CONTRACT = "micc-sdk"

EMPLOYEE: dict[str, Handler] = {
    "Employee_GetEmployees": employees.get_employees,
    "Employee_PutEmployeeStates": employees.put_states,
    "Employee_GetEmployee": employees.get_employee,
    "Employee_GetEmployeeAgentGroups": employees.get_agent_groups,
    "Employee_GetEmployeeQueues": employees.get_queues,
    "Employee_GetEmployeeState": employees.get_state,
    "Employee_PutEmployeeState": employees.put_state,
    "Employee_GetAgentGroupPresences": employees.get_group_presences,
    "Employee_PutAgentGroupPresences": employees.put_group_presences,
    "Employee_GetAgentGroupPresence": employees.get_group_presence,
    "Employee_PutAgentGroupPresence": employees.put_group_presence,
    "Employee_GetBusyReasonCodes": employees.get_reason_codes,
    "Employee_GetEmployeeConversations": employees.get_conversations,
    "Employee_PutEmployeeConversations": employees.put_conversations,
    "Employee_PostEmployeeConversation": employees.post_conversation,
    "Employee_GetEmployeeConversation": employees.get_conversation,
    "Employee_PutEmployeeConversation": employees.put_conversations,
}

QUEUE: dict[str, Handler] = {
    "Queue_GetQueues": queues.get_queues,
    "Queue_GetQueueStates": queues.get_queue_states,
    "Queue_GetQueuesState": queues.get_queue_states,  # the wallboards' path
    "Queue_GetQueue": queues.get_queue,
    "Queue_GetQueueState": queues.get_queue_state,
    "Queue_GetQueueConversations": queues.get_waiting_conversations,
    "Queue_PutQueueConversations": queues.update_waiting_conversations,
    "Queue_GetQueueConversation": queues.get_waiting_conversation,
    "Queue_PutQueueConversation": queues.update_waiting_conversations,
    **QUEUE_GROUPS,  # queue groups' states, members and conversations; deleting a queue
}

AGENTS: dict[str, Handler] = {
    "Agents_GetAgents": agents.get_agents,
    "Agents_GetAgentStates": agents.get_agent_states,
    "Agents_GetAgent": agents.get_agent,
    "Agents_GetAgentState": agents.get_agent_state,
    "Agent_GetAgentGroups": agents.get_agent_groups,
    "Agents_GetAgentGroup": agents.get_agent_group,
    "Agents_GetAgentGroupStates": agents.get_agent_group_states,
    "Agents_GetAgentGroupMembers": agents.get_agent_group_members,
    "Agents_GetAgentLicenses": agents.get_licences,
}

CONFIGURATION: dict[str, Handler] = {
    "Status_GetStatus": system.get_status,
    "Site_GetSites": system.get_sites,
    "Site_GetSite": system.get_site,
    "MediaServer_GetMediaServers": system.get_media_servers,
    "MediaServer_GetMediaServer": system.get_media_server,
    "MediaServer_GetMediaServerTimes": system.get_media_server_times,
    "ReasonCode_GetReasonCodes": system.get_reason_codes,
    "ReasonCode_GetReasonCode": system.get_reason_code,
    "Conversations_GetConversations": conversations.get_conversations,
    "Conversations_GetConversation": conversations.get_conversation,
    "Directory_GetDirectoryEntries": directory.get_entries,
    "Directory_GetDirectoryEntry": directory.get_entry,
    "Directory_PostDirectoryEntry": directory.post_entry,
    "Directory_PutDirectoryEntry": directory.put_entry,
}

PEOPLE: dict[str, Handler] = {**EMPLOYEE_DEVICES, **SOFTPHONE, **DIAGNOSTICS}

CATALOG: dict[str, Handler] = {**WARNING_REASONS, **PROMPTS, **MAIL_SERVERS, **VARIABLES, **APPLICATION_PROFILES,
                               **DNIS, **EXTENSIONS}

MESSAGING: dict[str, Handler] = {**CHAT, **EMAIL, **SMS, **GLOBAL_REPLY_TEMPLATES}

RECORDS: dict[str, Handler] = {**CASES, **HISTORY, **CALL_DETAILS, **WEBHOOKS}

HANDLERS: dict[str, Handler] = {**OPENMEDIA, **EMPLOYEE, **QUEUE, **AGENTS, **CONFIGURATION, **CATALOG, **MESSAGING,
                                **RECORDS, **PEOPLE}

lifespan = delivery.lifespan  # the web-hook delivery worker, run while the server is up
