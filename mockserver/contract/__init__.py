"""Contract testing: fuzz any implementation against the spec (schemathesis), and check live
traffic through a validating proxy (openapi-core).

    from mockserver.contract import ContractOptions, run
    result = run(ContractOptions(base_url="http://127.0.0.1:4010", tokens={"consumer": KEY}))
    assert result.passed, render(result)
"""

from mockserver.contract.errors import ToolError
from mockserver.contract.profile import Profile, load_profile
from mockserver.contract.report import ContractResult, Finding, RunError, render
from mockserver.contract.runner import (
    ContractOptions,
    Target,
    contract_schema,
    contract_target,
    run,
)
from mockserver.contract.writers import ReportFile, parse_report

__all__ = [
    "ContractOptions",
    "ContractResult",
    "Finding",
    "Profile",
    "ReportFile",
    "RunError",
    "Target",
    "ToolError",
    "contract_schema",
    "contract_target",
    "load_profile",
    "parse_report",
    "render",
    "run",
]
