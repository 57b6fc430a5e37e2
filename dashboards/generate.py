#!/usr/bin/env python3
# Writes the Grafana dashboards of this directory (kanarya-rollouts.json,
# kanarya-delivery.json) from one description, so that every panel shares
# the datasource and job variables and the series names are written once:
#   python3 dashboards/generate.py [OUTPUT_DIR]   (default: this directory)
# Every expression is run against the lab's Prometheus by the deploy checks
# (deploy/checks/lab_queries.sh).
import json
import os
import sys
DS = {"type": "prometheus", "uid": "${datasource}"}
J = 'job=~"$job"'
NS = 'namespace=~"$namespace"'
FINAL = "succeeded|rolled_back|aborted|failed"
MEAN_TIME_TO_ROLLBACK = ('sum(increase(kanarya_time_to_rollback_seconds_sum{%s}[$__range]))'
                         ' / sum(increase(kanarya_time_to_rollback_seconds_count{%s}[$__range]))' % (J, J))
MEAN_TIME_TO_ROLLBACK_HELP = ("From the start of the step on which a rollback was decided to the traffic back at "
                              "100 % stable, averaged over the rollbacks in the range (an operator's abort is not one).")
# Change failure rate: rollbacks / rollouts that moved traffic (failed ones
# were refused before any traffic moved and are no deployments). Aborts by an
# operator are shown apart: not every abort is a failed change.
def share_of_rollouts(outcome, window):
    return ('sum(increase(kanarya_decisions_total{%s,outcome="%s"}[%s]))'
            ' / sum(increase(kanarya_decisions_total{%s,outcome!="failed"}[%s]))' % (J, outcome, window, J, window))

def templating(with_namespace):
    t = [
        {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0, "refresh": 1, "options": [], "regex": ""},
        {"name": "job", "label": "job", "type": "query", "datasource": DS,
         "definition": "label_values(kanarya_leader, job)",
         "query": {"query": "label_values(kanarya_leader, job)", "refId": "job"},
         "current": {}, "includeAll": False, "multi": False, "refresh": 2, "sort": 1, "hide": 0,
         "options": [], "regex": ""},
    ]
    if with_namespace:
        t.append({"name": "namespace", "label": "namespace", "type": "query", "datasource": DS,
                  "definition": "label_values(kanarya_rollout_canary_weight{%s}, namespace)" % J,
                  "query": {"query": "label_values(kanarya_rollout_canary_weight{%s}, namespace)" % J,
                            "refId": "namespace"},
                  "current": {}, "includeAll": True, "allValue": ".*", "multi": True, "refresh": 2,
                  "sort": 1, "hide": 0, "options": [], "regex": ""})
    return {"list": t}

class Board:
    def __init__(self):
        self.panels = []
        self.y = 0
        self.x = 0
        self.row_h = 0
        self.next_id = 1

    def row(self, title):
        if self.x:
            self.y += self.row_h
            self.x = 0
        self.panels.append({"id": self.next_id, "type": "row", "title": title, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.next_id += 1
        self.y += 1
        self.row_h = 0

    def panel(self, kind, title, targets, w=12, h=8, unit=None, description="", **extra):
        if self.x + w > 24:
            self.y += self.row_h
            self.x = 0
            self.row_h = 0
        p = {"id": self.next_id, "type": kind, "title": title, "description": description,
             "datasource": DS, "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
             "targets": [dict({"refId": chr(ord("A") + i), "datasource": DS}, **t)
                         for i, t in enumerate(targets)],
             "fieldConfig": {"defaults": {}, "overrides": []}, "options": {}}
        if unit:
            p["fieldConfig"]["defaults"]["unit"] = unit
        for k, v in extra.items():
            if k == "defaults":
                p["fieldConfig"]["defaults"].update(v)
            elif k == "options":
                p["options"].update(v)
            else:
                p[k] = v
        self.panels.append(p)
        self.next_id += 1
        self.x += w
        self.row_h = max(self.row_h, h)

def dashboard(uid, title, description, board, with_namespace, time_from):
    return {
        "uid": uid, "title": title, "description": description, "tags": ["kanarya"],
        "schemaVersion": 39, "version": 1, "editable": True, "graphTooltip": 1,
        "time": {"from": time_from, "to": "now"}, "refresh": "30s", "timezone": "utc",
        "templating": templating(with_namespace),
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                  "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                  "name": "Annotations & Alerts", "type": "dashboard"}]},
        "links": [], "panels": board.panels,
    }

def t(expr, legend="", **kw):
    d = {"expr": expr, "legendFormat": legend}
    d.update(kw)
    return d

# ---- Rollouts overview
b = Board()
b.row("Now")
b.panel("stat", "Active rollouts", [t('sum(kanarya_rollouts{%s,phase!~"%s"})' % (J, FINAL))], w=4, h=4,
        description="Rollouts not in a final phase, read from kanaryad's store at scrape time.")
b.panel("stat", "Promoted in range", [t('sum(increase(kanarya_decisions_total{%s,outcome="succeeded"}[$__range]))' % J)],
        w=4, h=4, defaults={"decimals": 0})
b.panel("stat", "Rolled back in range", [t('sum(increase(kanarya_decisions_total{%s,outcome="rolled_back"}[$__range]))' % J)],
        w=4, h=4, defaults={"decimals": 0})
b.panel("stat", "Mean time to rollback", [t(MEAN_TIME_TO_ROLLBACK)],
    w=4, h=4, unit="s", description=MEAN_TIME_TO_ROLLBACK_HELP)
b.panel("stat", "Leader", [t('sum(kanarya_leader{%s})' % J)], w=4, h=4,
        description="kanaryad processes driving rollouts: 1 is right; more means two processes drive the same rollouts (no leader election yet).")
b.panel("stat", "Daemons up", [t('sum(up{%s})' % J)], w=4, h=4)
b.row("Rollouts")
b.panel("timeseries", "Rollouts by phase", [t('sum by (phase) (kanarya_rollouts{%s,phase!~"%s"})' % (J, FINAL), "{{phase}}")],
        description="Stored rollouts in each phase that is not final.",
        defaults={"custom": {"stacking": {"mode": "normal"}, "fillOpacity": 30}})
b.panel("timeseries", "Canary weights", [t('max by (namespace, rollout) (kanarya_rollout_canary_weight{%s,%s})' % (J, NS),
                                           "{{namespace}}/{{rollout}}")], unit="percent",
        description="Each active rollout's intended canary weight; the series ends when the rollout does.",
        defaults={"min": 0, "max": 100, "custom": {"lineInterpolation": "stepAfter"}})
b.panel("timeseries", "Decisions", [t('sum by (outcome) (increase(kanarya_decisions_total{%s}[$__rate_interval]))' % J, "{{outcome}}")],
        description="Rollouts reaching a final phase, by outcome.",
        defaults={"custom": {"drawStyle": "bars", "fillOpacity": 80}, "decimals": 0})
b.panel("table", "Time since last progress", [t('time() - max by (namespace, rollout, phase) (kanarya_rollout_last_progress_timestamp_seconds{%s,%s})' % (J, NS),
                                                 "", format="table", instant=True)], unit="s",
        description="Active rollouts, with the time since their last step or phase change (KanaryaRolloutStuck fires after 2 hours).")
b.row("Analysis, per metric")
b.panel("timeseries", "Regression evidence", [t('max by (namespace, rollout, metric) (kanarya_metric_evidence{%s,%s})' % (J, NS),
                                               "{{namespace}}/{{rollout}} {{metric}}")],
        description="Each metric's e-value against the canary being within tolerance: the rollout rolls back when it reaches 1/alpha (20 at alpha 0.05).",
        defaults={"custom": {"scaleDistribution": {"type": "log", "log": 10}},
                  "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 20}]}})
b.panel("timeseries", "Effect and its confidence sequence", [
    t('max by (namespace, rollout, metric) (kanarya_metric_effect{%s,%s,bound="estimate"})' % (J, NS), "{{namespace}}/{{rollout}} {{metric}}"),
    t('max by (namespace, rollout, metric) (kanarya_metric_effect{%s,%s,bound="lower"})' % (J, NS), "{{namespace}}/{{rollout}} {{metric}} lower"),
    t('max by (namespace, rollout, metric) (kanarya_metric_effect{%s,%s,bound="upper"})' % (J, NS), "{{namespace}}/{{rollout}} {{metric}} upper")],
    description="The estimate (a canary/baseline ratio for counts and histograms, a shift for continuous metrics) and its confidence sequence.")
b.panel("state-timeline", "Metric state", [t('max by (namespace, rollout, metric, state) (kanarya_metric_state{%s,%s}) == 1' % (J, NS),
                                            "{{namespace}}/{{rollout}} {{metric}}: {{state}}")], w=24,
        description="Each metric's current state: regression, within_tolerance, undecided or no_data.")
b.row("Time to decision")
b.panel("timeseries", "Time to rollback (quantiles over the range)", [
    t('histogram_quantile(0.5, sum by (le) (increase(kanarya_time_to_rollback_seconds_bucket{%s}[$__range])))' % J, "p50"),
    t('histogram_quantile(0.9, sum by (le) (increase(kanarya_time_to_rollback_seconds_bucket{%s}[$__range])))' % J, "p90")],
    unit="s", description=MEAN_TIME_TO_ROLLBACK_HELP.replace(", averaged over the rollbacks in the range", ""))
b.panel("timeseries", "Time to decision by outcome (mean over 1 day)", [
    t('sum by (outcome) (increase(kanarya_time_to_decision_seconds_sum{%s}[1d])) / sum by (outcome) (increase(kanarya_time_to_decision_seconds_count{%s}[1d]))' % (J, J),
      "{{outcome}}")], unit="s")
b.row("Daemon")
b.panel("timeseries", "Provider query batches, p95", [
    t('histogram_quantile(0.95, sum by (provider, le) (rate(kanarya_provider_query_duration_seconds_bucket{%s}[$__rate_interval])))' % J, "{{provider}}")],
    w=8, unit="s")
b.panel("timeseries", "Provider errors", [
    t('sum by (provider, code) (rate(kanarya_provider_errors_total{%s}[$__rate_interval]))' % J, "{{provider}} {{code}}")], w=8, unit="reqps")
b.panel("timeseries", "Kubernetes API errors", [
    t('sum by (operation, code) (rate(kanarya_kubernetes_errors_total{%s}[$__rate_interval]))' % J, "{{operation}} {{code}}")], w=8, unit="reqps")
b.panel("timeseries", "Analysis per tick, p95", [
    t('histogram_quantile(0.95, sum by (le) (rate(kanarya_analysis_duration_seconds_bucket{%s}[$__rate_interval])))' % J, "p95")], w=8, unit="s")
b.panel("timeseries", "Store commits, p99", [
    t('histogram_quantile(0.99, sum by (le) (rate(kanarya_store_commit_duration_seconds_bucket{%s}[$__rate_interval])))' % J, "p99")], w=8, unit="s")
b.panel("timeseries", "gRPC calls by code", [
    t('sum by (code) (rate(kanarya_grpc_requests_total{%s}[$__rate_interval]))' % J, "{{code}}")], w=8, unit="reqps")
b.panel("timeseries", "gRPC latency p99 (watches excluded)", [
    t('histogram_quantile(0.99, sum by (method, le) (rate(kanarya_grpc_request_duration_seconds_bucket{%s,method!~".*/WatchRollout"}[$__rate_interval])))' % J, "{{method}}")],
    w=24, unit="s")
overview = dashboard("kanarya-rollouts", "Kanarya / Rollouts",
                     "Kanarya's rollouts: phases, weights, decisions, each metric's evidence and effect, time to rollback, and the daemon's health. From kanaryad's own /metrics (docs/daemon.md, Telemetry).",
                     b, True, "now-6h")

# ---- Delivery (DORA)
b = Board()
b.row("Delivery over the range")
b.panel("stat", "Deployment frequency", [t('sum(increase(kanarya_decisions_total{%s,outcome="succeeded"}[$__range]))' % J)],
        w=5, h=5, description="Canaries promoted in the time range (a promotion is a deployment).", defaults={"decimals": 0})
b.panel("stat", "Change failure rate", [t(share_of_rollouts("rolled_back", "$__range"))],
    w=5, h=5, unit="percentunit",
    description="Rollbacks / rollouts that finished in the range having moved traffic (failed ones, refused before any traffic moved, are not deployments). A rollback caught by the canary is a change that failed before it reached everyone. Operators' aborts are counted apart.")
b.panel("stat", "Aborted by operators", [t(share_of_rollouts("aborted", "$__range"))],
    w=4, h=5, unit="percentunit",
    description="Rollouts an operator aborted / rollouts that finished in the range having moved traffic: not in the change failure rate (an abort may be a failed change, or a release called off).")
b.panel("stat", "Mean time to rollback", [t(MEAN_TIME_TO_ROLLBACK)],
    w=5, h=5, unit="s", description=MEAN_TIME_TO_ROLLBACK_HELP + " Kanarya's share of time to restore service.")
b.panel("stat", "Mean time in canary", [t(
    'sum(increase(kanarya_time_to_decision_seconds_sum{%s,outcome="succeeded"}[$__range])) / sum(increase(kanarya_time_to_decision_seconds_count{%s,outcome="succeeded"}[$__range]))' % (J, J))],
    w=5, h=5, unit="s", description="From a promoted rollout's first traffic move to its promotion: what the canary adds to lead time.")
b.row("Per day")
b.panel("timeseries", "Deployments per day", [t('sum(increase(kanarya_decisions_total{%s,outcome="succeeded"}[1d]))' % J, "promoted")],
        defaults={"decimals": 0})
b.panel("timeseries", "Change failure rate per day", [
    t(share_of_rollouts("rolled_back", "1d"), "rolled back / finished"),
    t(share_of_rollouts("aborted", "1d"), "aborted / finished")],
    unit="percentunit", defaults={"min": 0, "max": 1})
b.panel("bargauge", "Rollouts by outcome", [t('sum by (outcome) (increase(kanarya_decisions_total{%s}[$__range]))' % J, "{{outcome}}", instant=True)],
        defaults={"decimals": 0})
b.panel("timeseries", "Time in canary, quantiles over 7 days", [
    t('histogram_quantile(0.5, sum by (le) (increase(kanarya_time_to_decision_seconds_bucket{%s,outcome="succeeded"}[7d])))' % J, "p50 promoted"),
    t('histogram_quantile(0.9, sum by (le) (increase(kanarya_time_to_decision_seconds_bucket{%s,outcome="succeeded"}[7d])))' % J, "p90 promoted"),
    t('histogram_quantile(0.5, sum by (le) (increase(kanarya_time_to_decision_seconds_bucket{%s,outcome="rolled_back"}[7d])))' % J, "p50 rolled back")],
    unit="s")
delivery = dashboard("kanarya-delivery", "Kanarya / Delivery (DORA)",
                     "Delivery metrics in the DORA sense from Kanarya's own series: deployment frequency (promotions), change failure rate (rollbacks / rollouts), mean time to rollback, time spent in canary. Lead time from commit is not Kanarya's to measure.",
                     b, False, "now-30d")

for name, d in (("kanarya-rollouts.json", overview), ("kanarya-delivery.json", delivery)):
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(out_dir, name), "w") as f:
        json.dump(d, f, indent=2)
        f.write("\n")
