"""Run by the workbook's button (xlwings quickstart VBA: RunPython "import vasterbotten_regionplan_2021; vasterbotten_regionplan_2021.main()")."""
from udfs.macros import RAMTABELL_UPPDATERA


def main():
    RAMTABELL_UPPDATERA()
