"""Resultatbudget and Balanskrav sheets of the regionplan workbook (work in progress)."""


def build_resultatbudget(book, source):
    pass


def build_balanskrav(book, source):
    pass
