/*
 * What the resident is told when the grievance committee has recorded its finding: one SMS
 * (90 EUC-KR bytes, KS X 1001 only) for case numbers of up to 7 digits a year, like the
 * acknowledgement (test: test/committee.test.ts). The department's answer follows with the
 * finding itself; this only says the committee reviewed the case.
 */
export function committeeNotice(caseNumber: string): string {
  return `[구청장 소통폰] 접수번호 ${caseNumber} 민원의 구민고충처리위원회 검토가 끝났습니다.`;
}
