/** What the resident hears back at once. Short: on SMS every byte is paid for. */
export function acknowledgementText(caseNumber: string, newCase: boolean): string {
  return newCase
    ? `[구청장 소통폰] 민원이 접수되었습니다. 접수번호 ${caseNumber}. 담당 부서에서 확인 후 답변드리겠습니다.`
    : `[구청장 소통폰] 추가 내용이 접수번호 ${caseNumber} 민원에 함께 접수되었습니다.`;
}
