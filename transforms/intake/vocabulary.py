"""The fixed words of the events file and the cadre roster: what the validation suites accept and what
the Excel templates offer in their drop-downs (one source for both)."""

from __future__ import annotations

from transforms.config.posts import POSTS as ROSTER_POSTS

POSTS = list(ROSTER_POSTS)  # the roster's 职务 values: transforms/config/posts.py is their one source
# Event kinds any framework accepts (DESIGN.md §5 and the graded 突发环境事件 levels); a framework's
# veto rules may add more. A framework without event rules still receives the events file.
EVENT_KINDS = {"一般突发环境事件", "较大突发环境事件", "重大突发环境事件", "重特大突发环境事件", "严重生态破坏责任事件",
               "造成恶劣社会影响的环境污染责任事件", "统计数据造假"}
# 《国家突发环境事件应急预案》(国办函〔2014〕119号) grades 特别重大、重大、较大、一般; the events file's 严重程度
SEVERITIES = ["特别重大", "重大", "较大", "一般"]
ACTING = ["否", "是"]
