//! The SNOMED CT codes the generator records, each from `data/clusters.csv` (a test checks
//! every constant against its cluster there).

/// (cluster, codes) pairs, for the consistency test and for documentation.
pub const ALL: &[(&str, &[u64])] = &[
    ("AFIB_COD", AFIB),
    ("AFIBRES_COD", &[AFIB_RES]),
    ("AST_COD", AST),
    ("ASTRES_COD", &[AST_RES]),
    ("ASTTRT_COD", AST_TRT),
    ("ASTRVW_COD", &[AST_REVIEW]),
    ("RCP3_COD", &[RCP3]),
    ("ASTVAR_COD", &[AST_VARIABILITY]),
    ("ASTREV_COD", &[AST_REVERSIBILITY]),
    ("CHD_COD", CHD),
    ("COPD_COD", COPD),
    ("COPDRES_COD", &[COPD_RES]),
    ("COPDRVW_COD", &[COPD_REVIEW]),
    ("PULRHBREF_COD", &[PULMONARY_REHAB_REFERRAL]),
    ("MRC_COD", MRC),
    ("SPIRO_COD", &[SPIROMETRY]),
    ("FEV1FVC_COD", &[FEV1FVC]),
    ("DEM_COD", DEM),
    ("DEMCP_COD", &[DEM_CARE_PLAN]),
    ("DEMCPRVW_COD", &[DEM_CARE_PLAN_REVIEW]),
    ("DM_COD", DM),
    ("DMRES_COD", &[DM_RES]),
    ("DMMAX_COD", &[DM_MAX]),
    ("IFCCHBAM_COD", &[HBA1C]),
    ("FOOTEXAM_COD", &[FOOT_EXAM]),
    ("EDUREF_COD", &[EDUCATION_REFERRAL]),
    ("PRT_COD", &[PROTEINURIA]),
    ("METFORMIN_COD", &[METFORMIN]),
    ("HF_COD", HF),
    ("ECHO_COD", &[ECHO]),
    ("LVSD_COD", &[LVSD]),
    ("HYP_COD", HYP),
    ("HYPRES_COD", &[HYP_RES]),
    ("STIA_COD", STIA),
    ("PAD_COD", PAD),
    ("CKD_COD", CKD),
    ("CKD1AND2_COD", CKD_1_2),
    ("CAN_COD", CAN),
    ("CANREV_COD", &[CANCER_REVIEW]),
    ("MH_COD", MH),
    ("LIT_COD", &[LITHIUM]),
    ("MHP_COD", &[MH_CARE_PLAN]),
    ("EPIL_COD", EP),
    ("EPILDRUG_COD", EP_DRUG),
    ("LD_COD", LD),
    ("BMI_COD", &[BMI]),
    ("BMI30_COD", &[BMI30]),
    ("RARTH_COD", RA),
    ("RAREVIEW_COD", &[RA_REVIEW]),
    ("OSTEO_COD", OST),
    ("DXA_COD", &[DXA_OSTEOPOROTIC]),
    ("FF_COD", FRAGILITY_FRACTURE),
    ("ALENDRONATE_COD", &[ALENDRONATE]),
    ("PALCARE_COD", PC),
    ("DEPR_COD", DEP),
    ("DEPRVW_COD", &[DEPRESSION_REVIEW]),
    ("QRISK_COD", &[QRISK]),
    ("SYSBP_COD", &[SYSTOLIC]),
    ("DIASBP_COD", &[DIASTOLIC]),
    ("CHOL_COD", &[CHOLESTEROL]),
    ("CHADVAS_COD", &[CHA2DS2VASC]),
    ("ANTICOAG_COD", ANTICOAG),
    ("ANTIPLT_COD", ANTIPLATELET),
    ("ACEI_COD", ACEI),
    ("ARB_COD", ARB),
    ("BB_COD", BETA_BLOCKER),
    ("STAT_COD", STATIN),
    ("SMEAR_COD", &[SMEAR]),
    ("HYST_COD", &[HYSTERECTOMY]),
    ("SMOK_COD", &[SMOKER]),
    ("EXSMOK_COD", &[EX_SMOKER]),
    ("NSMOK_COD", &[NEVER_SMOKED]),
    ("SMOKCESS_COD", &[SMOKING_CESSATION]),
    ("FLU_COD", &[FLU]),
    ("HOLASS_COD", &[HOLISTIC_ASSESSMENT]),
    ("FEV1_COD", &[FEV1]),
    ("OXSAT_COD", &[OXYGEN_SATURATION]),
    ("ALC_COD", &[ALCOHOL_INTAKE]),
    ("CRE_COD", &[CREATININE]),
    ("TSH_COD", &[TSH]),
    ("LITLVL_COD", &[LITHIUM_LEVEL]),
    ("FBC_COD", &[DEMENTIA_BLOODS[0]]),
    ("CALC_COD", &[DEMENTIA_BLOODS[1]]),
    ("GLU_COD", &[DEMENTIA_BLOODS[2]]),
    ("LFT_COD", &[DEMENTIA_BLOODS[3]]),
    ("B12_COD", &[DEMENTIA_BLOODS[4]]),
    ("FOL_COD", &[DEMENTIA_BLOODS[5]]),
    ("CONTRA_COD", &[CONTRACEPTION]),
    ("EHC_COD", &[EMERGENCY_CONTRACEPTION]),
    ("LARCINFO_COD", &[LARC_INFORMATION]),
    ("BLDTESTDEC_COD", &[BLOOD_TEST_DECLINED]),
    ("HTMAX_COD", &[MAX_BP_THERAPY]),
    ("STATINDEC_COD", &[STATIN_DECLINED]),
    ("CAREPLAN_COD", &[CARE_PLAN]),
    ("LDHC_COD", &[LD_HEALTH_CHECK]),
    ("MILDFRAIL_COD", &[MILD_FRAILTY]),
    ("MODFRAIL_COD", &[MODERATE_FRAILTY]),
    ("SEVFRAIL_COD", &[SEVERE_FRAILTY]),
    ("DMPCAPU_COD", &[DM_PCA.unsuitable]),
    ("DMPCADEC_COD", &[DM_PCA.declined]),
    ("DMINVITE_COD", &DM_PCA.invites),
    ("HYPPCAPU_COD", &[HYP_PCA.unsuitable]),
    ("HYPPCADEC_COD", &[HYP_PCA.declined]),
    ("HYPINVITE_COD", &HYP_PCA.invites),
    ("ASTPCAPU_COD", &[AST_PCA.unsuitable]),
    ("ASTPCADEC_COD", &[AST_PCA.declined]),
    ("ASTINVITE_COD", &AST_PCA.invites),
    ("COPDPCAPU_COD", &[COPD_PCA.unsuitable]),
    ("COPDPCADEC_COD", &[COPD_PCA.declined]),
    ("COPDINVITE_COD", &COPD_PCA.invites),
    ("DEPRPCAPU_COD", &[DEP_PCA.unsuitable]),
    ("DEPRPCADEC_COD", &[DEP_PCA.declined]),
    ("DEPRINVITE_COD", &DEP_PCA.invites),
    ("HFPCAPU_COD", &[HF_PCA.unsuitable]),
    ("HFPCADEC_COD", &[HF_PCA.declined]),
    ("HFINVITE_COD", &HF_PCA.invites),
    ("AFIBPCAPU_COD", &[AF_PCA.unsuitable]),
    ("AFIBPCADEC_COD", &[AF_PCA.declined]),
    ("AFIBINVITE_COD", &AF_PCA.invites),
    ("CHDPCAPU_COD", &[CHD_PCA.unsuitable]),
    ("CHDPCADEC_COD", &[CHD_PCA.declined]),
    ("CHDINVITE_COD", &CHD_PCA.invites),
    ("STIAPCAPU_COD", &[STIA_PCA.unsuitable]),
    ("STIAPCADEC_COD", &[STIA_PCA.declined]),
    ("STIAINVITE_COD", &STIA_PCA.invites),
    ("DEMPCAPU_COD", &[DEM_PCA.unsuitable]),
    ("DEMPCADEC_COD", &[DEM_PCA.declined]),
    ("DEMINVITE_COD", &DEM_PCA.invites),
    ("MHPCAPU_COD", &[MH_PCA.unsuitable]),
    ("MHPCADEC_COD", &[MH_PCA.declined]),
    ("MHINVITE_COD", &MH_PCA.invites),
    ("CANPCAPU_COD", &[CAN_PCA.unsuitable]),
    ("CANPCADEC_COD", &[CAN_PCA.declined]),
    ("CANINVITE_COD", &CAN_PCA.invites),
    ("SMOKPCAPU_COD", &[SMOK_PCA.unsuitable]),
    ("SMOKPCADEC_COD", &[SMOK_PCA.declined]),
    ("SMOKINVITE_COD", &SMOK_PCA.invites),
    ("CSDEC_COD", &[CS_DECLINED]),
    ("BPDEC_COD", &[BP_DECLINED]),
    ("PCAPU_COD", &[RA_PCA.unsuitable]),
    ("PCADEC_COD", &[RA_PCA.declined]),
    ("INVITE_COD", &RA_PCA.invites),
    ("SERVUNAVAIL_COD", &[SERVICE_UNAVAILABLE]),
    ("NOISE_COD", NOISE),
    ("FENO_COD", &[FENO]),
    ("ACT_COD", &[ASTHMA_CONTROL_TEST]),
    ("ASTEXACB_COD", &[AST_EXACERBATIONS]),
    ("INHALTECH_COD", &[INHALER_TECHNIQUE]),
    ("ASTPLAN_COD", &[AST_ACTION_PLAN]),
    ("SMOKSTDEC_COD", &[SMOKING_STATUS_DECLINED]),
    ("COPDEXACB_COD", &[COPD_EXACERBATIONS]),
    ("SPIRPU_COD", &[SPIROMETRY_UNSUITABLE]),
    ("HFSPEC_COD", &[HF_SPECIALIST]),
    ("HFREV_COD", &[HF_REVIEW]),
    ("MEDRVWDEC_COD", &[MED_REVIEW_DECLINED]),
    ("LBBDEC_COD", &[BETA_BLOCKER_DECLINED]),
    ("XLBB_COD", &[BETA_BLOCKER_CONTRAINDICATED]),
    ("DTAPIPV_COD", &[DTAP_IPV]),
    ("DTPCON_COD", &[DTP_CONTRAINDICATED]),
    ("DTAPIPVCON_COD", &[DTAP_IPV_CONTRAINDICATED]),
    ("MMRCON_COD", &[MMR_CONTRAINDICATED]),
    ("SHCON_COD", &[SHINGLES_CONTRAINDICATED]),
    ("SHDEC_COD", &[SHINGLES_DECLINED]),
    ("ALCDEC_COD", &[ALCOHOL_DECLINED]),
    ("CHOLDEC_COD", &[CHOLESTEROL_DECLINED]),
    ("GLUCDEC_COD", &[GLUCOSE_DECLINED]),
    ("CANSUP_COD", &[CANCER_SUPPORT]),
    ("ZDRUG_COD", &[Z_DRUG]),
    ("DOACDEC_COD", &[DOAC_DECLINED]),
    ("DOACCON_COD", &[DOAC_CONTRAINDICATED]),
    ("VKADEC_COD", &[VKA_DECLINED]),
    ("VKACON_COD", &[VKA_CONTRAINDICATED]),
    ("MECHVALVE_COD", &[MECHANICAL_VALVE]),
    ("ORANTIDEC_COD", &[ANTICOAG_DECLINED]),
    ("ORANTICON_COD", &[ANTICOAG_CONTRAINDICATED]),
    ("ASTMONDEC_COD", &[AST_MONITORING_DECLINED]),
    ("SPIRDEC_COD", &[SPIROMETRY_DECLINED]),
    ("HBPMDEC_COD", &[HOME_BP_DECLINED]),
    ("STATCON_COD", &[STATIN_CONTRAINDICATED]),
    ("CHOLMAX_COD", &[MAX_LIPID_THERAPY]),
    ("LLTCON_COD", &[LIPID_THERAPY_CONTRAINDICATED]),
    ("LLTDEC_COD", &[LIPID_THERAPY_DECLINED]),
    ("PULRHBATT_COD", &[PULMONARY_REHAB_ATTENDED]),
    ("PULRHBPU_COD", &[PULMONARY_REHAB_UNSUITABLE]),
    ("BMIDEC_COD", &[BMI_DECLINED]),
    ("CHOLINVITE_COD", &[CHOLESTEROL_INVITE]),
    ("WMREF_COD", &[WEIGHT_REFERRAL]),
    ("WMSU_COD", &[WEIGHT_SERVICE_UNAVAILABLE]),
    ("WMPU_COD", &[WEIGHT_PROGRAMME_UNSUITABLE]),
    ("WMDEC_COD", &[WEIGHT_REFERRAL_DECLINED]),
    ("OBSDM_COD", &[WEIGHT_MEDICINES_DECISION]),
    ("SMOKEXP_COD", &[SMOKE_EXPOSURE]),
    ("MEDRVW_COD", &[MED_REVIEW]),
    ("DTAP_COD", &[DTAP]),
    ("MMR_COD", &[MMR]),
    ("SHINGLES_COD", &[SHINGLES]),
    ("GLU_COD", &[FASTING_GLUCOSE]),
    ("BENZO_COD", &[BENZODIAZEPINE]),
    ("HBPSYS_COD", &[HOME_SYSTOLIC]),
    ("HBPDIAS_COD", &[HOME_DIASTOLIC]),
    ("NONHDL_COD", &[NON_HDL]),
    ("LDL_COD", &[LDL]),
    ("LLT_COD", &[EZETIMIBE]),
    ("HSTRK_COD", &[HAEMORRHAGIC_STROKE]),
    ("DYSLIP_COD", &[DYSLIPIDAEMIA]),
    ("OSA_COD", &[SLEEP_APNOEA]),
    ("NYHA_COD", NYHA),
    ("ANTIPSY_COD", ANTIPSYCHOTIC),
    ("OPIOID_COD", OPIOID),
    ("GABAP_COD", GABAPENTINOID),
    ("NDH_COD", NDH),
];

pub const AFIB: &[u64] = &[49436004, 282825002, 440059007, 440028005, 5370000];
pub const AFIB_RES: u64 = 196371000000102;
pub const AST: &[u64] = &[195967001, 389145006, 266361008, 195977004];
pub const AST_RES: u64 = 162660004;
pub const AST_TRT: &[u64] = &[372897005, 116574000, 395726003];
pub const AST_REVIEW: u64 = 394700004;
pub const RCP3: u64 = 302331000000106;
pub const AST_VARIABILITY: u64 = 401010001;
pub const AST_REVERSIBILITY: u64 = 252480001;
pub const CHD: &[u64] = &[53741008, 22298006, 194828000, 414545008];
pub const COPD: &[u64] = &[13645005, 185086009, 87433001];
pub const COPD_RES: u64 = 941201000000103;
pub const COPD_REVIEW: u64 = 394703002;
pub const PULMONARY_REHAB_REFERRAL: u64 = 1094231000000109;
/// MRC dyspnoea grades 1 to 4.
pub const MRC: &[u64] = &[391120009, 391123006, 391124000, 391125004];
pub const SPIROMETRY: u64 = 127783003;
pub const FEV1FVC: u64 = 313222005;
pub const DEM: &[u64] = &[52448006, 26929004, 429998004];
pub const DEM_CARE_PLAN: u64 = 956841000000106;
pub const DEM_CARE_PLAN_REVIEW: u64 = 1077301000000103;
pub const DM: &[u64] = &[73211009, 44054006, 46635009];
pub const DM_RES: u64 = 315051004;
pub const DM_MAX: u64 = 407569005;
pub const HBA1C: u64 = 999791000000106;
pub const FOOT_EXAM: u64 = 401191002;
pub const EDUCATION_REFERRAL: u64 = 415270003;
/// Proteinuria or micro-albuminuria (diabetic nephropathy).
pub const PROTEINURIA: u64 = 29738008;
pub const METFORMIN: u64 = 372567009;
pub const HF: &[u64] = &[84114007, 42343007, 85232009];
pub const ECHO: u64 = 40701008;
pub const LVSD: u64 = 134401001;
pub const HYP: &[u64] = &[38341003, 59621000];
pub const HYP_RES: u64 = 162659009;
pub const STIA: &[u64] = &[230690007, 266257000, 422504002];
pub const PAD: &[u64] = &[399957001, 840580004];
pub const CKD: &[u64] = &[433144002, 700378005, 700379002, 431857002, 433146000];
pub const CKD_1_2: &[u64] = &[431855005, 431856006];
pub const CAN: &[u64] = &[363346000, 254837009, 399068003, 363406005];
pub const CANCER_REVIEW: u64 = 720006006;
pub const MH: &[u64] = &[58214004, 13746004, 69322001];
pub const LITHIUM: u64 = 85899009;
pub const MH_CARE_PLAN: u64 = 401201003;
pub const EP: &[u64] = &[84757009, 128613002];
pub const EP_DRUG: &[u64] = &[387562000, 387000003, 387222003];
pub const LD: &[u64] = &[110359009];
pub const BMI: u64 = 60621009;
pub const BMI30: u64 = 162864005;
pub const RA: &[u64] = &[69896004];
pub const RA_REVIEW: u64 = 390877002;
pub const OST: &[u64] = &[64859006];
/// A DXA scan result in the osteoporotic range (confirms the diagnosis, aged 50-74).
pub const DXA_OSTEOPOROTIC: u64 = 391040000;
pub const FRAGILITY_FRACTURE: &[u64] = &[71620000, 65966004];
pub const ALENDRONATE: u64 = 391730008;
pub const PC: &[u64] = &[103735009, 182964004];
pub const DEP: &[u64] = &[35489007, 370143000];
pub const DEPRESSION_REVIEW: u64 = 715252007;
pub const QRISK: u64 = 718087004;
pub const SYSTOLIC: u64 = 72313002;
pub const DIASTOLIC: u64 = 1091811000000102;
pub const CHOLESTEROL: u64 = 1005671000000105;
pub const CHA2DS2VASC: u64 = 713699002;
pub const ANTICOAG: &[u64] = &[372756006, 698090000, 442031002];
/// Aspirin, clopidogrel.
pub const ANTIPLATELET: &[u64] = &[387458008, 386952008];
pub const ACEI: &[u64] = &[386872004, 386873009];
pub const ARB: &[u64] = &[373567002, 372512008];
pub const BETA_BLOCKER: &[u64] = &[386868003, 386870007];
pub const STATIN: &[u64] = &[373444002, 387584000];
pub const SMEAR: u64 = 171149006;
pub const HYSTERECTOMY: u64 = 116140006;
pub const SMOKER: u64 = 77176002;
pub const EX_SMOKER: u64 = 8517006;
pub const NEVER_SMOKED: u64 = 266919005;
pub const SMOKING_CESSATION: u64 = 225323000;
pub const FLU: u64 = 86198006;
pub const MILD_FRAILTY: u64 = 925791000000100;
/// Local schemes' long-term condition care (Dudley G1, G3, LD1).
pub const HOLISTIC_ASSESSMENT: u64 = 1323681000000103;
pub const CARE_PLAN: u64 = 734163000;
pub const LD_HEALTH_CHECK: u64 = 401206008;
/// Care that QOF 2018/19's indicators retired in 2019/20 looked at (ids as the 2018/19 rule
/// file writes them; unverified).
pub const FEV1: u64 = 59328004;
pub const OXYGEN_SATURATION: u64 = 431314004;
pub const ALCOHOL_INTAKE: u64 = 160573003;
pub const CREATININE: u64 = 113075003;
pub const TSH: u64 = 61167004;
pub const LITHIUM_LEVEL: u64 = 104841003;
/// Dementia screening bloods (DEM005), in the order FBC, calcium, glucose, liver function,
/// vitamin B12, folate; with creatinine and TSH above.
pub const DEMENTIA_BLOODS: [u64; 8] =
    [26604007, 71878006, 33747003, 26958001, 14760008, 79035009, CREATININE, TSH];
pub const CONTRACEPTION: u64 = 126097006;
pub const EMERGENCY_CONTRACEPTION: u64 = 703787007;
pub const LARC_INFORMATION: u64 = 445052005;
/// Intervention-specific adjustments (PCA_REFERENCE BLDTESTDEC, HTMAX, STATINDEC).
pub const BLOOD_TEST_DECLINED: u64 = 116471000119100;
pub const MAX_BP_THERAPY: u64 = 407567007;
pub const STATIN_DECLINED: u64 = 134396000;
pub const MODERATE_FRAILTY: u64 = 925831000000107;
pub const SEVERE_FRAILTY: u64 = 925861000000102;
/// The codes one condition's personalised care adjustments are recorded with: its own
/// "unsuitable", "chose not to" and invitation clusters (`DMPCAPU_COD`, `DMPCADEC_COD`,
/// `DMINVITE_COD`, ...), so that a record adjusts only that condition's indicators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcaCodes {
    pub unsuitable: u64,
    pub declined: u64,
    /// A first and a second invitation.
    pub invites: [u64; 2],
}

/// Excepted from diabetes quality indicators (patient unsuitable, informed dissent); diabetes
/// monitoring first and second letter.
pub const DM_PCA: PcaCodes = PcaCodes {
    unsuitable: 717421000000100,
    declined: 716031000000106,
    invites: [185756006, 185757002],
};
/// Excepted from hypertension quality indicators; hypertension monitoring first and second
/// letter.
pub const HYP_PCA: PcaCodes = PcaCodes {
    unsuitable: 716821000000100,
    declined: 716771000000106,
    invites: [185719002, 185720008],
};
/// Excepted from asthma quality indicators; asthma monitoring call first and second letter.
pub const AST_PCA: PcaCodes = PcaCodes {
    unsuitable: 717291000000103,
    declined: 716491000000100,
    invites: [185731000, 185732007],
};
/// Excepted from COPD quality indicators; COPD monitoring invitation, then a verbal one.
pub const COPD_PCA: PcaCodes = PcaCodes {
    unsuitable: 716311000000100,
    declined: 716291000000101,
    invites: [711431000000109, 716281000000103],
};
/// Excepted from depression quality indicators; depression monitoring first and second letter.
pub const DEP_PCA: PcaCodes = PcaCodes {
    unsuitable: 716831000000103,
    declined: 715831000000109,
    invites: [717211000000107, 716681000000100],
};
/// Heart failure: informed dissent is its own code; unsuitable and invitations are the
/// stand-ins (`data/README.md`).
pub const HF_PCA: PcaCodes = PcaCodes { declined: 717491000000102, ..STAND_IN_PCA };
/// Conditions whose clusters hold stand-ins (no published id could be checked, see
/// `data/README.md`): the generic codes, which they therefore share with each other.
pub const AF_PCA: PcaCodes = STAND_IN_PCA;
pub const CHD_PCA: PcaCodes = STAND_IN_PCA;
pub const STIA_PCA: PcaCodes = STAND_IN_PCA;
pub const DEM_PCA: PcaCodes = STAND_IN_PCA;
pub const MH_PCA: PcaCodes = STAND_IN_PCA;
pub const CAN_PCA: PcaCodes = STAND_IN_PCA;
pub const SMOK_PCA: PcaCodes = STAND_IN_PCA;
/// Rheumatoid arthritis has no PCA clusters of its own: the generic ones (`PCAPU_COD`,
/// `PCADEC_COD`, `INVITE_COD`).
pub const RA_PCA: PcaCodes = STAND_IN_PCA;
/// Procedure contraindicated; procedure refused; the generic QOF invitation, twice.
const STAND_IN_PCA: PcaCodes = PcaCodes {
    unsuitable: 183932001,
    declined: 183944003,
    invites: [1109921000000106, 1109921000000106],
};
/// Cervical screening declined (`CSDEC_COD`, a stand-in: procedure refused).
pub const CS_DECLINED: u64 = 183944003;
/// Blood pressure procedure refused (`BPDEC_COD`).
pub const BP_DECLINED: u64 = 413123006;
pub const SERVICE_UNAVAILABLE: u64 = 416237000;
/// Care the national schemes of 2020/21 to 2026/27 look at (`later_qof` in `practice.rs`):
/// ids as the rule files write them, stand-ins `999999000000000NNN` included (`data/README.md`).
pub const FENO: u64 = 999999000000000101;
pub const ASTHMA_CONTROL_TEST: u64 = 999999000000000102;
pub const AST_EXACERBATIONS: u64 = 999999000000000103;
pub const INHALER_TECHNIQUE: u64 = 999999000000000104;
pub const AST_ACTION_PLAN: u64 = 999999000000000105;
pub const SMOKING_STATUS_DECLINED: u64 = 999999000000000106;
pub const COPD_EXACERBATIONS: u64 = 999999000000000107;
pub const SPIROMETRY_UNSUITABLE: u64 = 999999000000000108;
pub const HF_SPECIALIST: u64 = 999999000000000109;
pub const HF_REVIEW: u64 = 999999000000000110;
pub const MED_REVIEW_DECLINED: u64 = 999999000000000111;
pub const BETA_BLOCKER_DECLINED: u64 = 999999000000000112;
pub const BETA_BLOCKER_CONTRAINDICATED: u64 = 999999000000000113;
pub const DTAP_IPV: u64 = 999999000000000201;
pub const DTP_CONTRAINDICATED: u64 = 999999000000000202;
pub const DTAP_IPV_CONTRAINDICATED: u64 = 999999000000000203;
pub const MMR_CONTRAINDICATED: u64 = 999999000000000204;
pub const SHINGLES_CONTRAINDICATED: u64 = 999999000000000205;
pub const SHINGLES_DECLINED: u64 = 999999000000000206;
pub const ALCOHOL_DECLINED: u64 = 999999000000000207;
pub const CHOLESTEROL_DECLINED: u64 = 999999000000000208;
pub const GLUCOSE_DECLINED: u64 = 999999000000000209;
pub const CANCER_SUPPORT: u64 = 999999000000000210;
pub const Z_DRUG: u64 = 999999000000000301;
pub const DOAC_DECLINED: u64 = 999999000000000401;
pub const DOAC_CONTRAINDICATED: u64 = 999999000000000402;
pub const VKA_DECLINED: u64 = 999999000000000403;
pub const VKA_CONTRAINDICATED: u64 = 999999000000000404;
pub const MECHANICAL_VALVE: u64 = 999999000000000405;
pub const ANTICOAG_DECLINED: u64 = 999999000000000406;
pub const ANTICOAG_CONTRAINDICATED: u64 = 999999000000000407;
pub const AST_MONITORING_DECLINED: u64 = 999999000000000408;
pub const SPIROMETRY_DECLINED: u64 = 999999000000000409;
pub const HOME_BP_DECLINED: u64 = 999999000000000410;
pub const STATIN_CONTRAINDICATED: u64 = 999999000000000411;
pub const MAX_LIPID_THERAPY: u64 = 999999000000000412;
pub const LIPID_THERAPY_CONTRAINDICATED: u64 = 999999000000000413;
pub const LIPID_THERAPY_DECLINED: u64 = 999999000000000414;
pub const PULMONARY_REHAB_ATTENDED: u64 = 999999000000000415;
pub const PULMONARY_REHAB_UNSUITABLE: u64 = 999999000000000416;
pub const BMI_DECLINED: u64 = 999999000000000417;
pub const CHOLESTEROL_INVITE: u64 = 999999000000000503;
pub const WEIGHT_REFERRAL: u64 = 999999000000000601;
pub const WEIGHT_SERVICE_UNAVAILABLE: u64 = 999999000000000602;
pub const WEIGHT_PROGRAMME_UNSUITABLE: u64 = 999999000000000603;
pub const WEIGHT_REFERRAL_DECLINED: u64 = 999999000000000604;
pub const WEIGHT_MEDICINES_DECISION: u64 = 999999000000000605;
pub const SMOKE_EXPOSURE: u64 = 43381005;
pub const MED_REVIEW: u64 = 182836005;
pub const DTAP: u64 = 39114005;
pub const MMR: u64 = 38598009;
pub const SHINGLES: u64 = 722215002;
pub const FASTING_GLUCOSE: u64 = 271062006;
pub const BENZODIAZEPINE: u64 = 387264003;
pub const HOME_SYSTOLIC: u64 = 413606001;
pub const HOME_DIASTOLIC: u64 = 413605002;
pub const NON_HDL: u64 = 1030411000000101;
pub const LDL: u64 = 1022191000000100;
pub const EZETIMIBE: u64 = 409149001;
pub const HAEMORRHAGIC_STROKE: u64 = 274100004;
pub const DYSLIPIDAEMIA: u64 = 55822004;
pub const SLEEP_APNOEA: u64 = 78275009;
pub const NYHA: &[u64] = &[420300004, 421704003, 420913000, 422293003];
pub const ANTIPSYCHOTIC: &[u64] = &[386849001, 386840002, 386850001];
pub const OPIOID: &[u64] = &[373529000, 387494007];
pub const GABAPENTINOID: &[u64] = &[386845007, 415160008];
pub const NDH: &[u64] = &[700449008, 9414007];
pub const NOISE: &[u64] = &[54150009, 279039007, 25064002, 49727002, 21719001];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_in_its_cluster() {
        let catalogue = include_str!("../../data/clusters.csv");
        let rows: Vec<(&str, u64)> = catalogue
            .lines()
            .skip(1)
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                Some((f[0], f.get(f.len().checked_sub(2)?)?.parse().ok()?))
            })
            .collect();
        for (cluster, codes) in ALL {
            for code in *codes {
                assert!(
                    rows.contains(&(cluster, *code)),
                    "{code} is not in {cluster} in data/clusters.csv"
                );
            }
        }
    }

    #[test]
    fn conditions_with_verified_codes_share_none() {
        // Diabetes, hypertension, asthma, COPD and depression have real codes of their own: a
        // PCA recorded for one of them must not adjust another's indicators.
        let groups = [DM_PCA, HYP_PCA, AST_PCA, COPD_PCA, DEP_PCA];
        let codes = |p: &PcaCodes| [p.unsuitable, p.declined, p.invites[0], p.invites[1]];
        for (i, a) in groups.iter().enumerate() {
            for b in &groups[i + 1..] {
                for code in codes(a) {
                    assert!(!codes(b).contains(&code), "{code} is shared by {a:?} and {b:?}");
                }
            }
            for code in codes(a) {
                assert!(!codes(&STAND_IN_PCA).contains(&code), "{code} is a stand-in");
            }
        }
    }
}
