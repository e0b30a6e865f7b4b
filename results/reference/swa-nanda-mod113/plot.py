"""swa.svg: validation accuracy along the Nanda trajectory (trajectory-metrics.csv) with each window's
uniform average (SWA, average-*.csv) drawn at its window as a horizontal bar. Standard library only."""
import csv
import glob

W, H, L, R, T, B = 760, 360, 60, 20, 20, 50
E_MAX = 15000


def x(epoch):
    return L + (W - L - R) * epoch / E_MAX


def y(acc):
    return T + (H - T - B) * (1 - acc)


with open("trajectory-metrics.csv") as f:
    rows = [r for r in csv.DictReader(f) if r["val_accuracy"]]
path = " ".join(f"{'M' if i == 0 else 'L'}{x(int(r['epoch'])):.1f},{y(float(r['val_accuracy'])):.1f}"
                for i, r in enumerate(rows))
parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<path d="{path}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>']
for f in sorted(glob.glob("average-*.csv")):
    with open(f) as fh:
        table = list(csv.DictReader(fh))
    epochs = [int(r["epoch"]) for r in table if r["epoch"]]
    avg = next(r for r in table if r["state"] == "uniform_average")
    a, b, acc = min(epochs), max(epochs), float(avg["val_accuracy"])
    parts.append(f'<line x1="{x(a):.1f}" y1="{y(acc):.1f}" x2="{x(b):.1f}" y2="{y(acc):.1f}" stroke="#d62728" stroke-width="4"/>')
    parts.append(f'<text x="{x(b) + 4:.1f}" y="{y(acc) + 4:.1f}" fill="#d62728">{acc:.2f}</text>')
for e in range(0, E_MAX + 1, 3000):
    parts.append(f'<text x="{x(e):.1f}" y="{H - B + 18}" text-anchor="middle">{e}</text>')
for a in (0, 0.5, 1):
    parts.append(f'<text x="{L - 8}" y="{y(a) + 4:.1f}" text-anchor="end">{a}</text>')
    parts.append(f'<line x1="{L}" y1="{y(a):.1f}" x2="{W - R}" y2="{y(a):.1f}" stroke="#ddd"/>')
parts.append(f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">epoch (blue: validation accuracy of the run; '
             'red: of the uniform average of each window\'s states)</text>')
parts.append("</svg>")
with open("swa.svg", "w") as f:
    f.write("\n".join(parts) + "\n")
