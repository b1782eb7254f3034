"""The posts a tenure roster names, and the official titles reports print for them: one source.

A roster (组织部门报送的任职名单) files every county leader under one of two generic posts, the party
secretary and the head of government, and every municipal department head under a third; the
validation suite accepts exactly these, attribution and the reports tell them apart by them.

Official documents do not print the generic post: a county's party secretary is 县委书记, a district's
区委书记, a county-level city's 市委书记 (and the head of government 县长 / 区长 / 市长). The level is
read from the last character of the region's name (GB/T 2260 names end in 县, 区, 市, 旗 …: 自治县 is a
县, 县级市 a 市), so a roster needs no extra column and a new region type needs no code.
"""

from __future__ import annotations

PARTY_SECRETARY = "党委书记"
GOVERNMENT_HEAD = "政府主要负责人"
DEPARTMENT_HEAD = "部门主要负责人"
POSTS = (PARTY_SECRETARY, GOVERNMENT_HEAD, DEPARTMENT_HEAD)

# the 党政同责 pair in prose, for a county-level region whose kind is not known (mixed 县、区、市)
GENERIC_PAIR = "县（市、区）委书记和县（市、区）长"


def region_kind(region_name: str | None) -> str | None:
    """县 / 区 / 市 / 旗 …: the last character of a county-level region's name, None without a name."""
    return region_name.strip()[-1] if region_name and region_name.strip() else None


def official_title(post: str, region_name: str | None = None, department_name: str | None = None) -> str:
    """The title as an official document prints it: 县委书记, 区长, 市林业局主要负责人. A post the roster
    vocabulary does not know is printed as filed."""
    kind = region_kind(region_name)
    if post == DEPARTMENT_HEAD:
        return f"{department_name}主要负责人" if department_name else post
    if post == PARTY_SECRETARY and kind:
        return f"{kind}委书记"
    if post == GOVERNMENT_HEAD and kind:
        return f"{kind}长"
    return post


def full_title(post: str, region_name: str | None = None, department_name: str | None = None) -> str:
    """The title with its place: 章贡区委书记, 寻乌县县长, 市林业局主要负责人."""
    title = official_title(post, region_name, department_name)
    if post == DEPARTMENT_HEAD or not region_name:
        return title
    # 章贡区 + 区委书记 → 章贡区委书记 (the place's own suffix is not repeated); 寻乌县 + 县长 → 寻乌县县长
    if post == PARTY_SECRETARY and title != post:
        return f"{region_name}委书记"
    return f"{region_name}{title}"


def pair_in_prose(region_name: str | None) -> str:
    """党政同责 in one phrase for a region: 区委书记和区长; for an unnamed county-level region the generic pair."""
    kind = region_kind(region_name)
    return f"{kind}委书记和{kind}长" if kind else GENERIC_PAIR
