#!/usr/bin/env python3
"""Regenerates practices_1920.csv, networks_1920.csv and ccgs_1920.csv from NHS Digital's
QOF 2019/20 PREVALENCE_1920.csv and PRACTICE_STRUCTURE_1920.csv.

Usage: python3 derive.py SOURCE_DIR   (stdlib only; writes into this script's folder)
"""
import collections
import csv
import os
import sys

GROUPS = ["AF", "AST", "CAN", "CHD", "CKD", "COPD", "CVDPP", "DEM", "DEP", "DM", "EP",
          "HF", "HYP", "LD", "MH", "OB", "OST", "PAD", "PC", "RA", "STIA"]
LISTS = ["TOTAL", "16OV", "17OV", "18OV", "30_74", "50OV"]


def main(src):
    out = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(src, "PRACTICE_STRUCTURE_1920.csv"), encoding="utf-8") as f:
        struct = sorted(csv.DictReader(f), key=lambda r: r["PRACTICE_CODE"])
    reg = collections.defaultdict(dict)
    size = collections.defaultdict(dict)
    with open(os.path.join(src, "PREVALENCE_1920.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            p = r["PRACTICE_CODE"]
            reg[p][r["GROUP_CODE"]] = int(r["REGISTER"])
            size[p][r["PATIENT_LIST_TYPE"]] = int(r["PATIENT_LIST_SIZE"])
    with open(os.path.join(out, "practices_1920.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["practice_id", "practice_name", "network_id", "ccg_id"]
                   + ["list_" + x.lower() for x in LISTS] + ["reg_" + g.lower() for g in GROUPS])
        for r in struct:
            p = r["PRACTICE_CODE"]
            w.writerow([p, r["PRACTICE_NAME"], r["PCN_ODS_CODE"], r["CCG_ODS_CODE"]]
                       + [size[p][x] for x in LISTS] + [reg[p][g] for g in GROUPS])
    nets, ccgs = {}, {}
    for r in struct:
        nets.setdefault(r["PCN_ODS_CODE"], (r["PCN_NAME"], r["CCG_ODS_CODE"]))
        ccgs.setdefault(r["CCG_ODS_CODE"], (r["CCG_NAME"], r["STP_ODS_CODE"], r["STP_NAME"],
                                            r["REGION_ODS_CODE"], r["REGION_NAME"]))
    with open(os.path.join(out, "networks_1920.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["network_id", "network_name", "ccg_id"])
        for k in sorted(nets):
            w.writerow([k, *nets[k]])
    with open(os.path.join(out, "ccgs_1920.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ccg_id", "ccg_name", "stp_id", "stp_name", "region_id", "region_name"])
        for k in sorted(ccgs):
            w.writerow([k, *ccgs[k]])


if __name__ == "__main__":
    main(sys.argv[1])
