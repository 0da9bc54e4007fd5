"""Regenerates assets/sample-docs/espresso-machine-manual.pdf (3 pages) with fpdf2.

The page numbers matter: tests and the README ask questions whose answers sit on a known page.
"""

from pathlib import Path

from fpdf import FPDF

PAGES = [
    ("Setting up the machine",
     "Place the machine on a flat, dry surface at least 10 centimetres from the wall. "
     "Rinse the water tank and fill it with fresh, cold water up to the MAX line. "
     "Switch the machine on with the power button; the heating light blinks while the boiler warms up, "
     "which takes about three minutes. Before the first coffee, run two full tanks of water through the "
     "steam wand and the group head to clean the pipes."),
    ("Descaling",
     "Descale the machine every two months, or when the descaling light turns orange. "
     "Mix 500 millilitres of water with one sachet of citric acid descaler and pour it into the tank. "
     "Hold the steam button and the power button together for five seconds to start the descaling program. "
     "The descaling program runs for twenty minutes and stops on its own. "
     "Afterwards, rinse the tank and run one full tank of clean water through the machine."),
    ("Troubleshooting",
     "If the coffee runs too fast, grind the beans finer or tamp with more pressure. "
     "If no water comes out, check that the tank is seated correctly and that the machine is not in "
     "standby mode. A red blinking light means the boiler is too hot: switch the machine off and let it "
     "cool down for fifteen minutes. The warranty lasts two years from the date of purchase."),
]


def main() -> None:
    pdf = FPDF()
    pdf.set_title("Espresso machine manual")
    for title, body in PAGES:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, body)
    out = Path(__file__).parent / "sample-docs" / "espresso-machine-manual.pdf"
    pdf.output(str(out))


if __name__ == "__main__":
    main()
