"""Tell the office when an unattended run fails: a Prefect automation on the server that sends a
notification through a block whenever a run of one of our flows fails or crashes.

`ecoassess notify-office` creates it (again: the old one of the same name is replaced), either with a
webhook it saves as a Custom Webhook block (JSON `{"subject": …, "body": …}` POSTed to the URL: an
office chat robot, a mail gateway), or with a notification block the office already made in the
Prefect UI (an e-mail block, Slack, Teams, …). The server's automation services send it; the run
itself sends nothing.
"""

from __future__ import annotations

from uuid import UUID

FLOWS = ["annual_assessment", "revalidate_department", "rerender"]
AUTOMATION = "ecoassess 运行失败通知"
WEBHOOK_BLOCK = "ecoassess-office-webhook"

SUBJECT = "【生态文明建设考核】运行失败: {{ flow_run.name }}"
BODY = """考核系统的一次运行失败, 请处理。
运行: {{ flow_run.name }}(流程 {{ flow.name }})
状态: {{ flow_run.state.name }}
原因: {{ flow_run.state.message }}
参数: {{ flow_run.parameters }}
Prefect 界面: {{ flow_run|ui_url }}
处理: 查看该运行的日志; 在运行目录执行 `ecoassess status` 看运行记录; 排除原因后重新触发该部署。"""


def save_webhook_block(url: str) -> UUID:
    """A Custom Webhook block that POSTs the subject and body as JSON to `url` (overwritten if there)."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    block = CustomWebhookNotificationBlock(name="考核办", url=url, method="POST",
                                           json_data={"subject": "{{subject}}", "body": "{{body}}"})
    return block.save(WEBHOOK_BLOCK, overwrite=True)


def block_id(slug_and_name: str) -> UUID:
    """An existing notification block, named as Prefect does: `<block type slug>/<block name>`
    (e.g. `sendgrid-email/kaohe`)."""
    from prefect.blocks.core import Block

    return Block.load(slug_and_name)._block_document_id


def create_failure_automation(block_document_id: UUID):
    """The automation (replacing one of the same name): any failed or crashed run of our flows sends
    the office the run's name, reason, parameters and a link to it."""
    from prefect.automations import Automation
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import EventTrigger, Posture

    try:
        Automation.read(name=AUTOMATION).delete()
    except ValueError:
        pass  # none yet
    return Automation(
        name=AUTOMATION, description="生态文明建设考核的运行失败时通知考核办 / notify the office when an ecoassess run fails",
        trigger=EventTrigger(expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
                             match_related={"prefect.resource.role": "flow", "prefect.resource.name": FLOWS},
                             posture=Posture.Reactive, threshold=1),
        actions=[SendNotification(block_document_id=block_document_id, subject=SUBJECT, body=BODY)],
    ).create()
