"""Each cadre's result in a round: per rater group the ballots that rated the cadre, the raters who
could have (turnout) and the average, shown only from the group's minimum number of ballots; and the
weighted score over the groups that have one."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from watchd.db.models import AppraisalRollEntry
from watchd.db.repositories.appraisal import AppraisalRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.appraisal import CODE_GROUPS, GROUPS, group_result, weighted_score
from watchd.services.appraisal.rounds import Rounds, leaders
from watchd.services.appraisal.views import CadreResult, RoundResults


class Results:
    def __init__(self, db: Database, rounds: Rounds) -> None:
        self.db = db
        self.rounds = rounds

    def results(self, round_id: int, *, person_ids: list[str] | None = None) -> RoundResults:
        view = self.rounds.view(round_id)  # finalises a closed round first
        rules = view.rules
        with self.db.read() as s:
            row = self.rounds.get(s, round_id)
            repo = AppraisalRepository(s)
            cadres = repo.cadre_ids(round_id)
            if person_ids is not None:
                wanted = set(person_ids)
                cadres = [c for c in cadres if c in wanted]
            people = {p.id: (p.name, p.organisation) for p in PeopleRepository(s).many(cadres).values()}
            villages = PeopleRepository(s).villages_of(cadres)
            site_names = {v.id: v.name for v in SitesRepository(s).list_sites()}
            per_village: dict[str, Counter[str]] = {g: Counter() for g in CODE_GROUPS}
            for group, site_id in s.execute(
                select(AppraisalRollEntry.rater_group, AppraisalRollEntry.site_id).where(
                    AppraisalRollEntry.round_id == round_id
                )
            ):
                per_village[group][site_id] += 1
            sums = repo.score_sums(round_id)
            for pooled in repo.pooled(round_id):  # not mixed into storage yet: counted all the same
                for cadre, points in pooled.scores.items():
                    n, total = sums.get((pooled.rater_group, cadre), (0, 0))
                    sums[(pooled.rater_group, cadre)] = (n + 1, total + int(points))
            leadership = len(leaders(s, row.organisation))
            everyone = len(repo.cadre_ids(round_id))
        out = RoundResults(round=view)
        for c in cadres:
            eligible = {
                "leadership": leadership,
                "cadres": everyone - 1,
                **{g: sum(per_village[g][v] for v in villages.get(c, [])) for g in CODE_GROUPS},
            }
            groups = {}
            for g in GROUPS:
                n, total = sums.get((g, c), (0, 0))
                groups[g] = group_result(n, total, eligible[g], rules[g])
            score, missing = weighted_score(groups, rules)
            name, organisation = people.get(c, (c, ""))
            out.cadres.append(
                CadreResult(
                    person_id=c,
                    name=name,
                    organisation=organisation,
                    villages=[site_names.get(v, v) for v in villages.get(c, [])],
                    groups=groups,
                    score=score,
                    missing=missing,
                )
            )
        return out
