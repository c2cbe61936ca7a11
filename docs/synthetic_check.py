#!/usr/bin/env python3
"""Recounts approximate QOF 2019/20 achievement and PCA rates from a synthetic CSV
population (as written by `qofrules synth`), for docs/synthetic.md. The indicator rules here
are simplified (latest value in the window; PCA = the group's own unsuitable or declined code,
service unavailable, or two of its invitations at least 7 days apart in the 12 months); the
shipped rule files are the reference. Usage: python3 docs/synthetic_check.py DIR   (stdlib only, run from the repo root)
"""
import csv, collections, datetime, sys
D=sys.argv[1]
PPED=datetime.date(2020,3,31); Y0=datetime.date(2019,4,1)
def dt(s): return datetime.date.fromisoformat(s)
pats={}
for r in csv.DictReader(open(D+'/patients.csv')):
    if r['deregistered_on']: continue
    b=dt(r['birth_date']); age=PPED.year-b.year-((PPED.month,PPED.day)<(b.month,b.day))
    pats[r['patient_id']]=dict(age=age,sex=r['sex'],prac=r['practice_id'],reg=dt(r['registered_on']),ev=[])
for r in csv.DictReader(open(D+'/events.csv')):
    p=pats.get(r['patient_id'])
    if p: p['ev'].append((dt(r['date']),int(r['code']),float(r['value']) if r['value'] else None))
C={}
for r in csv.DictReader(open('data/clusters.csv')):
    C.setdefault(r['cluster_id'],set()).add(int(r['snomed_id']))
def latest(p,cl,since=None):
    x=[e for e in p['ev'] if e[1] in C[cl] and (since is None or e[0]>=since)]
    return x[-1] if x else None
def onreg(p,d,r=None):
    x=[e for e in p['ev'] if e[1] in C[d] or (r and e[1] in C[r])]
    return bool(x) and x[-1][1] in C[d]
# Each group's own PCA clusters (unsuitable, chose not to, invitations), as in the rules.
G={g:(g+'PCAPU_COD',g+'PCADEC_COD',g+'INVITE_COD') for g in ['DM','HYP','AST','COPD','DEPR','HF','AFIB','CHD','STIA','DEM','MH','CAN','SMOK']}
G['CS']=('CSPU_COD','CSDEC_COD',None); G['BP']=('PCAPU_COD','BPDEC_COD',None)
def pca(p,g):
    pu,dec,inv=G[g]; since=datetime.date(2015,4,1) if g=='BP' else Y0
    adj=C[pu]|C[dec]|C['SERVUNAVAIL_COD']
    if any(e[0]>=since and e[1] in adj for e in p['ev']): return True
    inv=sorted(e[0] for e in p['ev'] if inv and e[0]>=Y0 and e[1] in C[inv])
    return len(inv)>=2 and (inv[-1]-inv[0]).days>=7
def ind(name,cohort,num,g):
    n=d=pc=0
    for p in pats.values():
        if not cohort(p): continue
        if num(p): n+=1; d+=1
        elif pca(p,g): pc+=1
        else: d+=1
    print(f"{name:10s} den={d:6d} ach={n/max(d,1):.3f} pca%={pc/max(d+pc,1):.3f}")
frail=lambda p: (latest(p,'MILDFRAIL_COD') or latest(p,'MODFRAIL_COD') or latest(p,'SEVFRAIL_COD')) and max([e for e in p['ev'] if e[1] in C['MILDFRAIL_COD']|C['MODFRAIL_COD']|C['SEVFRAIL_COD']])[1] not in C['MILDFRAIL_COD']
dm=lambda p: p['age']>=17 and onreg(p,'DM_COD','DMRES_COD')
def bpok(p,s,dd):
    a=latest(p,'SYSBP_COD',Y0); b=latest(p,'DIASBP_COD',Y0)
    return a and b and a[2]<=s and b[2]<=dd
ind('DM020',lambda p: dm(p) and not frail(p), lambda p: (lambda e: e and e[2]<=58)(latest(p,'IFCCHBAM_COD',Y0)),'DM')
ind('DM021',lambda p: dm(p) and frail(p), lambda p: (lambda e: e and e[2]<=75)(latest(p,'IFCCHBAM_COD',Y0)),'DM')
ind('DM019',lambda p: dm(p) and not frail(p), lambda p: bpok(p,140,80),'DM')
ind('DM004',dm, lambda p: (lambda e: e and e[2]<=5)(latest(p,'CHOL_COD',Y0)),'DM')
ind('DM012',dm, lambda p: latest(p,'FOOTEXAM_COD',Y0),'DM')
hyp=lambda p: onreg(p,'HYP_COD','HYPRES_COD')
ind('HYP003',lambda p: hyp(p) and p['age']<=79, lambda p: bpok(p,140,90),'HYP')
ind('HYP007',lambda p: hyp(p) and p['age']>=80, lambda p: bpok(p,150,90),'HYP')
ind('CHD008',lambda p: onreg(p,'CHD_COD') and p['age']<=79, lambda p: bpok(p,140,90),'CHD')
ind('AST003',lambda p: onreg(p,'AST_COD','ASTRES_COD'), lambda p: latest(p,'ASTRVW_COD',Y0) and latest(p,'RCP3_COD',Y0),'AST')
ind('COPD003',lambda p: onreg(p,'COPD_COD','COPDRES_COD'), lambda p: latest(p,'COPDRVW_COD',Y0) and latest(p,'MRC_COD',Y0),'COPD')
ind('DEM004',lambda p: onreg(p,'DEM_COD'), lambda p: latest(p,'DEMCPRVW_COD',Y0),'DEM')
ind('MH002',lambda p: onreg(p,'MH_COD'), lambda p: latest(p,'MHP_COD',Y0),'MH')
def af7(p):
    return onreg(p,'AFIB_COD','AFIBRES_COD') and (lambda e: e and e[2]>=2)(latest(p,'CHADVAS_COD'))
ind('AF007',af7, lambda p: latest(p,'ANTICOAG_COD',datetime.date(2019,10,1)),'AFIB')
ind('BP002',lambda p: p['age']>=45, lambda p: latest(p,'SYSBP_COD',datetime.date(2015,4,1)),'BP')
ind('CS005',lambda p: p['sex']=='F' and 25<=p['age']<=49 and not latest(p,'HYST_COD'), lambda p: latest(p,'SMEAR_COD',datetime.date(2016,10,1)),'CS')
ind('SMOK',lambda p: p['age']>=15 and latest(p,'SMOK_COD') and max([e for e in p['ev'] if e[1] in C['SMOK_COD']|C['EXSMOK_COD']|C['NSMOK_COD']])[1] in C['SMOK_COD'], lambda p: latest(p,'SMOKCESS_COD',datetime.date(2018,4,1)),'SMOK')
print('patients',len(pats), 'events/patient', sum(len(p['ev']) for p in pats.values())/len(pats))
import statistics
def spread(name,cohort,num,g):
    per=collections.defaultdict(lambda:[0,0])
    for p in pats.values():
        if not cohort(p): continue
        if num(p): per[p['prac']][0]+=1; per[p['prac']][1]+=1
        elif not pca(p,g): per[p['prac']][1]+=1
    r=sorted(n/d for n,d in per.values() if d>=30)
    print(name,'practices',len(r),'min %.2f p10 %.2f median %.2f p90 %.2f max %.2f'%(r[0],r[len(r)//10],statistics.median(r),r[-len(r)//10-1],r[-1]))
spread('DM020',lambda p: dm(p) and not frail(p), lambda p: (lambda e: e and e[2]<=58)(latest(p,'IFCCHBAM_COD',Y0)),'DM')
spread('HYP003',lambda p: hyp(p) and p['age']<=79, lambda p: bpok(p,140,90),'HYP')
spread('AST003',lambda p: onreg(p,'AST_COD','ASTRES_COD'), lambda p: latest(p,'ASTRVW_COD',Y0) and latest(p,'RCP3_COD',Y0),'AST')
