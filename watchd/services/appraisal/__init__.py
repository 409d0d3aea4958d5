"""The 1135 appraisal of village-stationed cadres (issue 17 part 3).

- `rounds`: a round, its status and anomaly flags, finalising it after the close;
- `rolls`: the committee and household rolls the township imports;
- `issuing`, `codes`, `texts`: single-use codes, printed on slips or texted;
- `voting`, `mixing`: casting a ballot and storing it so nothing links it to its voter;
- `results`: each cadre's group averages, turnout and weighted score;
- `service`: `AppraisalService`, the one object the rest of watchd holds.
"""

from watchd.services.appraisal.codes import CodeKey
from watchd.services.appraisal.issuing import CodeText, CodeTexts
from watchd.services.appraisal.rolls import RollReport
from watchd.services.appraisal.rounds import NewRound
from watchd.services.appraisal.service import AppraisalService, WorkLogCompletion
from watchd.services.appraisal.views import BallotSheet, CadreResult, RoundResults, RoundView, Slip
from watchd.services.appraisal.voting import Device

__all__ = [
    "AppraisalService",
    "BallotSheet",
    "CadreResult",
    "CodeKey",
    "CodeText",
    "CodeTexts",
    "Device",
    "NewRound",
    "RollReport",
    "RoundResults",
    "RoundView",
    "Slip",
    "WorkLogCompletion",
]
