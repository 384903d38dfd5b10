"""Reports: the funnel, content conversion and scores against outcomes, as rich tables and one HTML file.

Pure computations over ``ReportData`` (leads with their activities, stage and score, plus the stage history),
which comes from the store (``store_source.report_data``) or from in-memory results of the files source
(``leads.leads_from_results``):

    data = ReportData(leads_from_results(contacts, activities_by_key, results))
    print(funnel(data).stages); print(content(data, outcome="customer").rows[:5])
"""

from connector.reports.content import ContentReport, content
from connector.reports.funnel import FunnelReport, funnel
from connector.reports.leads import Lead, ReportData, StageEntry, leads_from_results
from connector.reports.scores import ScoresReport, scores

__all__ = ["ContentReport", "FunnelReport", "Lead", "ReportData", "ScoresReport", "StageEntry", "content", "funnel",
           "leads_from_results", "scores"]
