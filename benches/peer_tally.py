# A plain Python reading of the RU2018 feed: csv + json modules, the same national totals, no statistics.
import csv, json, os, sys
feed, manifest = sys.argv[1], sys.argv[2]
m = json.load(open(manifest))
cands = [c["name"] for c in m["candidates"]]
tot = {"registered": 0, "ballots": 0, "invalid": 0, "valid": 0, "precincts": 0}
votes = [0] * len(cands)
for name in sorted(os.listdir(feed)):
    if not name.endswith(".csv"):
        continue
    with open(os.path.join(feed, name), newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        head = next(r)
        ix = {h: i for i, h in enumerate(head)}
        reg = ix["Число избирателей, включенных в список избирателей"]
        box = [ix["Число избирательных бюллетеней в переносных ящиках для голосования"], ix["Число бюллетеней в стационарных ящиках для голосования"]]
        inv = ix["Число недействительных избирательных бюллетеней"]
        val = ix["Число действительных избирательных бюллетеней"]
        ci = [ix[c] for c in cands]
        for row in r:
            tot["precincts"] += 1
            tot["registered"] += int(row[reg])
            tot["ballots"] += sum(int(row[i]) for i in box)
            tot["invalid"] += int(row[inv])
            tot["valid"] += int(row[val])
            for k, i in enumerate(ci):
                votes[k] += int(row[i])
print(json.dumps({**tot, "votes": dict(zip([c["id"] for c in m["candidates"]], votes))}))
