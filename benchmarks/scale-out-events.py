#!/usr/bin/env python3
"""Sums a Spark event log (spark.eventLog.enabled) by kind of job for the jobs submitted between two times (seconds
after the first job): jobs, wall time, task run time, the busiest executor's run time, result bytes.
Usage: benchmarks/scale-out-events.py EVENT_LOG FROM_S TO_S (docs/scale-out.md, "Scale figures")."""
import json, sys, collections
ev=[json.loads(l) for l in open(sys.argv[1])]
lo, hi = float(sys.argv[2]), float(sys.argv[3])
jobs={}; stage_job={}; t0=None
for e in ev:
    if e['Event']=='SparkListenerJobStart':
        if t0 is None: t0=e['Submission Time']
        jobs[e['Job ID']]=dict(name=e['Stage Infos'][-1]['Stage Name'].split(' at ')[0], start=(e['Submission Time']-t0)/1000, end=None, run=0, res=0, tasks=0, maxrun=collections.defaultdict(float))
        for s in e['Stage IDs']: stage_job[s]=e['Job ID']
    elif e['Event']=='SparkListenerJobEnd':
        jobs[e['Job ID']]['end']=(e['Completion Time']-t0)/1000
    elif e['Event']=='SparkListenerTaskEnd':
        j=jobs[stage_job[e['Stage ID']]]; m=e.get('Task Metrics') or {}
        j['run']+=m.get('Executor Run Time',0)/1000; j['res']+=m.get('Result Size',0); j['tasks']+=1
        j['maxrun'][e['Task Info']['Executor ID']]+=m.get('Executor Run Time',0)/1000
agg=collections.OrderedDict()
for j in jobs.values():
    if j['end'] is None or j['start']<lo or j['start']>=hi: continue
    a=agg.setdefault(j['name'], dict(jobs=0, wall=0, run=0, res=0, tasks=0, busiest=0))
    a['jobs']+=1; a['wall']+=j['end']-j['start']; a['run']+=j['run']; a['res']+=j['res']; a['tasks']+=j['tasks']
    a['busiest']+=max(j['maxrun'].values()) if j['maxrun'] else 0
for k,a in agg.items(): print(f"{k:16s} jobs {a['jobs']:4d} wall {a['wall']:7.1f} s  task run {a['run']:7.1f} s  busiest executor {a['busiest']:7.1f} s  tasks {a['tasks']:4d}  result {a['res']:10d} B")
