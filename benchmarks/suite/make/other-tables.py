#!/usr/bin/python3
"""Writes the suite's tables that come from the vega-datasets npm package and Debian's python3-statsmodels (run once;
the CSVs are committed). Stdlib only.

Usage: other-tables.py VEGA_DATA_DIR STATSMODELS_DATASETS_DIR OUT_DIR
  VEGA_DATA_DIR: package/data of `npm pack vega-datasets@3.2.1` (tar xzf the .tgz)
  STATSMODELS_DATASETS_DIR: statsmodels/datasets of `apt-get download python3-statsmodels` (dpkg -x the .deb)
"""
import csv, json, os, sys

vega, statsmodels, out = sys.argv[1:4]

def write(name, header, rows):
    with open(os.path.join(out, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)

# seattle-weather: the date becomes its month (a calendar feature); the date itself is dropped.
with open(os.path.join(vega, "seattle-weather.csv")) as f:
    rows = list(csv.DictReader(f))
write("seattle-weather.csv", ["month", "precipitation", "wind", "temp_max", "temp_min", "weather"],
      [[int(r["date"][5:7]), r["precipitation"], r["wind"], r["temp_max"], r["temp_min"], r["weather"]] for r in rows])

# cars (StatLib's auto-mpg): the year as a number; the car's name is dropped.
cars = json.load(open(os.path.join(vega, "cars.json")))
blank = lambda v: "" if v is None else v
write("cars.csv", ["Miles_per_Gallon", "Origin", "Cylinders", "Displacement", "Horsepower", "Weight_in_lbs",
                   "Acceleration", "Year"],
      [[blank(c["Miles_per_Gallon"]), c["Origin"], c["Cylinders"], c["Displacement"], blank(c["Horsepower"]),
        c["Weight_in_lbs"], c["Acceleration"], int(c["Year"][:4])] for c in cars])

# anes96 (statsmodels): tab-separated with quoted names; written as plain CSV, the vote as no/yes and PID as its level.
with open(os.path.join(statsmodels, "anes96", "anes96.csv")) as f:
    lines = [l.rstrip("\n").split("\t") for l in f if l.strip()]
header = [h.strip("'") for h in lines[0]]
pid = ["strong_dem", "weak_dem", "indep_dem", "indep", "indep_rep", "weak_rep", "strong_rep"]
rows = []
for l in lines[1:]:
    r = dict(zip(header, l))
    r["vote"] = ["clinton", "dole"][int(float(r["vote"]))]
    r["PID"] = pid[int(float(r["PID"]))]
    rows.append([r[h] for h in header])
write("anes96.csv", header, rows)
