/**
 * Hand-written cues for the kind of a message (complaint, thanks, spam).
 * They generalise beyond the labeled examples, which hold few thanks and
 * fewer spam messages, and they let the router refuse to auto-close a
 * message that thanks and asks for something in the same breath.
 *
 * Patterns run on the normalised spaced text (lowercase, no punctuation)
 * unless noted; '?' and emoji are read from the raw NFKC text.
 */
import type { PreparedText } from './text.js';

export interface Cue {
  name: string;
  pattern: RegExp;
}

/** Forward-looking requests and questions: the resident wants something done or answered. */
export const REQUEST_CUES: Cue[] = [
  { name: '주세요', pattern: /주세요|주십시오|주시기|주실 ?수|주시면|주셨으면|주셈|주삼|줘요|줘라|줘(?= |$)|주라(?= |$)|주쇼|주이소|달라|바랍니다|바래요|바람(?= |$)|(?<!응)원합니다|(?<!응)원해요/u },
  { name: '해 주세요', pattern: /해 ?줘|해 ?주(?=세|시기|시면|십|라|삼|셈|쇼|이소|요|고|면)|해 ?달/u },
  // '앞으로도 잘 부탁드립니다' is a pleasantry, not a request.
  { name: '부탁', pattern: /(?<!잘 ?|앞으로도 ?|계속 ?|많이 ?)부탁/u },
  { name: '요청', pattern: /요청|건의|제안|촉구|시정|조치(?:해|바|좀|를|해 ?주|가 ?필요|하)|개선(?:해|좀|바|을|이 ?필요|하)|단속(?:해|좀|을|이 ?필요|하)|확인(?:해|좀|부탁|바|을 ?부탁|하고 ?싶|할 ?수|하)|해결(?:해|좀|바|을|하)|처리(?:해|좀|바|하)(?!셨|신|였|여 ?주셔|해 ?주셔)/u },
  // '신고한 가로등 고쳐 주셔서' (done) is not a request; '신고합니다' / '신고 어디에' is.
  { name: '신고', pattern: /신고(?:합|해요|하려|하고 ?싶|할게|할께|할래|할 ?수|할려|하면|드|는 ?어디|어디|좀|요(?= |$))|문의(?:합|드립|드려|해요|하려|할게|할께|요(?= |$))/u },
  { name: '언제', pattern: /언제(?!나)|뭐(?= |$)|뭘(?= |$)|왜(?= |$)|어떻게|어떡|어디|몇 ?시|몇 ?번|몇 ?일|몇 ?살|얼마(?:예|에요|인|죠|냐|임|나 ?해|나 ?걸|나 ?더|까지)|뭐가|뭐예|뭐에요|뭔가요|뭘 ?해|무엇/u },
  { name: '나요', pattern: /(?:(?<![\s각억])나요|까요|인가요|건가요|는가요|는지요|인지요|있나|없나|되나|될까|되죠|하죠|거죠|아닌가|아닌지|아닙니까|입니까|습니까|나여|까여|냐|남요|나욤|는 ?건가)(?= |$)|(?:는지|인지|ㄴ지) ?(?:알려|궁금|확인|모르겠|여쭤)/u },
  { name: '좀', pattern: /좀(?= |$)|좀 |좀만/u },
  { name: '좋겠', pattern: /좋겠|했으면|하면 ?좋|있었으면|으면 ?해요|면 ?합니다|필요합니다|필요해요|해야 ?(?:합니다|하지|하는|되|될)|시키세요|시켜 ?주|설치(?:해|좀|를|가 ?필요|바)|해라|하라(?= |$|고)|하쇼|하소|하이소|(?<!지치지 ?|아프지 ?|무리하지 ?|걱정하지 ?|걱정 ?)마세요|(?<!지치지 ?|아프지 ?)하지 ?마|(?:그만|제대로|똑바로|일 ?좀|좀) ?하세요/u },
];

/** Something is wrong (may come without an explicit request). */
export const PROBLEM_CUES: Cue[] = [
  { name: '불편', pattern: /(?<!안 ?|덜 ?)불편|고장|망가|파손|부서|깨져|깨졌|(?<![편평미])안 ?(?:돼|되|됨|됐|나와|나오|나옴|와|오|옴|치|고치|고쳐|켜|열|보|해|함|하|바뀌|바뀜|바꿔|변하|받|들리|들려|잡|줘|주|생기|빠|끝|움직|맞|통하|멈|줄|올|먹|닫|닦|치워|치우|지켜|지키|씻|씀|쓰|써|꺼|끄)|안 ?됬|못 ?(?:하|해|함|자|잠|가|감|살|삼|지나|다니|쓰|써|씀|열|나가|들어|참|견디|쉬|먹)/u },
  { name: '아직', pattern: /아직|여전히|그대로|계속|또 |또$|자꾸|맨날|며칠째|일째|달째|주째|년째/u },
  { name: '위험', pattern: /ㅡㅡ|(?<!안 ?|않게 ?|덜 ?)(?:위험|무서|불안|시끄|힘들|더러|지저분|다칠|심해|냄새)|안 ?좋|좋지 ?않|별로|꺼져 ?있|꺼졌|나갔|막혀|막혔|새요|샌다|새는|넘쳐|끊겼|끊어졌|불친절|반말|무시|불쾌|무례|퉁명|기분 ?(?:이 ?)?(?:상했|상하|나쁘|나빴|별로)|억울|다쳤|넘어|사고|심각|피해|짜증|화나|화가|답답|황당|어이없|미치겠|죽겠|스트레스|방치|엉망|불법|실수|착오|누락|오류|끊기|끊긴|끊겨|나간 ?지|꺼진|촛불|미끄러|빼먹|빠뜨|납득이 ?안|이해가 ?안 ?(?:가|갑|돼|되|됩)|잘못 ?(?:보내|발송|처리|나|된|됐|부과|청구)|문제(?!가 ?(?:다 ?)?해결|없)/u },
];

/** A suggestion for something new (제안·건의): a proposal rather than a fault to fix. */
export const PROPOSAL_CUES: Cue[] = [
  { name: '제안', pattern: /제안|건의|아이디어|의견 ?(?:드립|드려|입니다)|검토해 ?(?:주|보|봐)|도입(?:해|하|을|했)/u },
  { name: '좋겠', pattern: /좋겠|좋을 ?(?:듯|것|거)|했으면|있었으면|생겼으면|생기면|어떨까|어떨지|어떻겠|어떠세요|어떠신|면 ?어떨|만들어 ?주|만들면|만들자|만드는 ?(?:건|게|것)|(?:늘리|늘려|두|놓|운영하|개방하|열|바꾸|바꿔 ?보)면 ?(?:좋|어떨|더)/u },
];

/** Asking for information (how, when, where, whether, how much): a question (질의). */
export const INQUIRY_CUES: Cue[] = [
  { name: '어떻게', pattern: /어떻게|어디(?:서|로|에|다|로 ?가|인가)|언제(?!나)|얼마|몇 ?(?:살|시|번|일|퍼센트|층|개월)|무엇|뭔가요|뭐예요|뭐에요|뭐가 ?(?:있|필요)|궁금|알고 ?싶|알려 ?주/u },
  { name: '되나요', pattern: /(?:하나요|되나요|있나요|없나요|인가요|건가요|가능한가요|필요한가요|받나요|까요|가요 ?말아요)(?= |$)/u },
];

/** Sarcasm ('참 잘~하시네요', '감사는 무슨'): never thanks. */
export const SARCASM = /참 ?잘 ?하시|일 ?(?:참|아주|정말) ?잘|잘들 ?하|대단들|감사는 ?무슨|고맙긴 ?(?:한데|하지만)|퍽이나|잘 ?하는 ?짓|잘도 ?하/u;

/** A turn in the message: '감사합니다. 그런데 …' introduces the real point. */
export const CONTRAST_CUES: Cue[] = [
  { name: '그런데', pattern: /(?:^| )(?:근데|그런데|근대|그른데|하지만|그러나|다만|그치만|그렇지만|그나저나|그건 그렇고|그리고 혹시|혹시|다름이 아니라|다른게 아니라|다른 게 아니라|한가지|한 가지)(?= |$)|[가-힣](?:니다|지)만(?= |$)/u },
];

/**
 * Phrases of thanks and praise that name no thanks word of their own, in many voices:
 *  - joy exclaimed: '얼마나 좋아하셨는지 몰라요' (얼마나 … 지 몰라: an exclamation, not a question);
 *  - effort seen: '제설 작업 새벽부터 하시는 거 봤어요', '애쓰시는 모습' (staff seen at work);
 *  - quickly done: '하루 만에 메워져서', '벌써 다 고쳐졌네요' (a fix, in the past, praised for its speed);
 *  - well now: '따뜻하게 지내고 있어요', '안심하고 다녀요' (the resident is well since).
 * A fix or effort followed by '…는데', '…다고', '…더니' introduces something else ('켜졌는데 다시
 * 꺼졌어요', '하시는 거 봤는데 우리 골목은 빼먹으셨어요'): no praise.
 */
const NO_TURN = String.raw`(?![가-힣]*(?:는데|다고|다는|다더니|더니|으면|다면|지만))`;
const JOY_EXCLAIMED = /얼마나 (?:[가-힣]+ ){0,2}[가-힣]*(?:좋|기뻐|기뻤|고마|고맙|감사|행복|든든|즐거|즐겁|감동|반가|반갑|(?<!불)편)[가-힣]*지 ?(?:몰라|모릅|모르)/u;
const EFFORT_SEEN = new RegExp(
  String.raw`(?:(?:애쓰|고생하|수고하|일하|청소하|작업하|뛰어다니|치우|고치)시는|(?:작업|청소|제설|수거|순찰|방역|봉사|정비|공사)(?: [가-힣]+){0,2} 하시는) ?(?:거|것|모습)(?:을|를)? ?(?:봤|보았|보고|보니|봐|봅)${NO_TURN}`,
  'u',
);
const QUICKLY_DONE = new RegExp(String.raw`(?:만에|금방|바로|벌써|신속하게|신속히|빨리) (?:[가-힣]+ ){0,2}[가-힣]*(?:고쳐졌|고쳐져서|메워졌|메워져서|치워졌|치워져서|켜졌|켜져서|채워졌|해결됐|해결되었|해결돼서|처리됐|처리되었|처리돼서|설치됐|설치되었|복구됐|복구되었|수리됐|수리되었|바뀌었)${NO_TURN}`, 'u');
const WELL_NOW = /(?:따뜻하게|따듯하게|편안하게|행복하게|건강하게|즐겁게|무사히|든든하게|안심하고) (?:[가-힣]+ )?(?:지내|지냅|보내|살고|살아|다녀|다닙|다니고|넘겼)/u;

/** Gratitude kept ('평생 잊지 않겠습니다', '그 은혜 못 잊어요'): a negation that thanks (no thanks cue of its own). */
const GRATITUDE_KEPT = /(?:평생|은혜|고마움|감사함|이 ?마음|친절함?|따뜻함|도움)(?:을|를|은|는|도)? ?(?:잊지 ?않|잊지 ?못|못 ?잊|안 ?잊|잊을 ?수 ?없)/u;

/**
 * Words that name a problem only to say it is over, or that negate without complaining; they
 * are left out when looking for vetoes (negation, open problem, turn, '또'):
 *  - a past feeling followed by a turn ('눈이 어두워서 힘들었는데', '화가 나 있었는데 …');
 *  - a nuisance gone ('이제 지각 안 해요', '모기가 없어졌어요', '냄새가 안 나요');
 *  - the reason something cannot be done, explained ('안 되는 이유까지 설명해 주셔서');
 *  - an invitation ('다음에 또 오세요'), gratitude kept ('평생 잊지 않겠습니다'), joy exclaimed.
 * Problem words elsewhere in the message still count.
 */
const PAST_FEELING = /(?:힘들었|불편했|답답했|막막했|걱정했|걱정됐|걱정이었|무서웠|불안했|속상했|서운했|화가 ?나 ?있었|화가 ?났었|화났었|짜증 ?났었)(?:는데|지만|던)/gu;
const NUISANCE_GONE = /(?:지각|걱정|냄새|악취|소음|모기|벌레|날파리|침수|먼지|매연|물)(?:이|가|도|은|는|을|를)? ?(?:안 ?(?:해요|해도 ?돼|하고|하네요|나요|나네요|나고|생겨요|생기고|생기네요|차요|찼|차고|차네요|들려요|들리고|들리네요|보여요|보이고|보이네요)|없어졌|사라졌|줄었)/gu;
const REFUSAL_EXPLAINED = /(?:안 ?되는|안 ?된다는|불가한|불가능한|어려운|못 ?하는) 이유/gu;
const INVITATION = /(?:^| )또 (?:오세요|오십시오|놀러 ?오|뵈요|뵐게요|뵙겠|뵙기를|뵙길|봬요|만나요)/gu;

const GRATITUDE_KEPT_ALL = new RegExp(GRATITUDE_KEPT.source, 'gu');
const JOY_EXCLAIMED_ALL = new RegExp(JOY_EXCLAIMED.source, 'gu');
/** Quick test before the replacements: most messages hold none of these phrases. */
const SETTLED_HINT = /었|였|안|없|사라|줄었|이유|또|잊|몰라|모릅|모르/u;

export function settledText(spaced: string): string {
  if (!SETTLED_HINT.test(spaced)) return spaced;
  return spaced
    .replace(PAST_FEELING, ' ')
    .replace(NUISANCE_GONE, ' ')
    .replace(REFUSAL_EXPLAINED, ' ')
    .replace(INVITATION, ' ')
    .replace(GRATITUDE_KEPT_ALL, ' ')
    .replace(JOY_EXCLAIMED_ALL, ' ');
}

/** The problem is still there ('감사한데 아직도 물이 고여요'): whatever the thanks, a request. */
export const STILL = /아직|여전히|자꾸|(?:^| )또(?= )/u;

/** Thanks, praise, greetings and encouragement. */
export const THANKS_CUES: Cue[] = [
  // '감사' is also an audit ('회계감사', '감사 요청', '감사원'): those are not thanks.
  { name: '감사', pattern: new RegExp(`(?<!회계 ?)감사(?!원|관|실|팀|담당|청구|위원|결과|보고|기관|좀| ?요청| ?를 ?(?:요청|청구|해|받))|고맙|고마|땡큐|thank|thx|ㄱㅅ|ㄳ|감솨|감삼|사랑해|사랑합|${JOY_EXCLAIMED.source}`, 'u') },
  { name: '수고', pattern: new RegExp(`수고|고생 ?(?:하|많|이 ?많|하셨|하셔)|주신 ?(?:덕|분|거|것|게)|주셨(?!으면)|애쓰|애써|노고|신경 ?써 ?주셔|챙겨 ?주셔|도와 ?주셔|해 ?주셔서|주셔서|주신 ?덕|덕분|덕택|${EFFORT_SEEN.source}`, 'u') },
  { name: '응원', pattern: /응원|칭찬|화이팅|파이팅|홧팅|fighting|멋져|힘내|힘 ?내|존경|최고|짱|멋지|멋있|든든|자랑스|감동|믿음|살맛|대박|잘한다|잘하시|잘하네|욕봤|욕보셨|욕보십|역시|잘하셨|잘했|잘됐|잘 ?되었|역대급/u },
  { name: '인사', pattern: /복 ?많이|명절|한가위|보름달|메리|좋은 ?일만|가득하세요|되세요|되십시오|하십시오|복 ?받|새해|명절 ?잘|추석 ?잘|설 ?잘|연휴 ?잘|크리스마스|연말 ?잘|좋은 ?하루|좋은 ?주말|건강하세요|건강 ?(?:꼭 ?|잘 ?)?챙기|건강하시|행복하세요|행복한|평안|잘 ?보내세요|보내세요/u },
  { name: '만족', pattern: /좋아졌|편해졌|깨끗해졌|(?:환해|밝아|조용해|넓어|나아|깔끔해|안전해|시원해|따뜻해|예뻐|이뻐|쾌적해|편리해)졌|훤하|쾌적|살기 ?좋|(?<!안 ?|못 ?)(?:좋아하|좋아했|좋았|좋아요|좋네요|좋습니다|좋더라)|예뻐|예쁘|이뻐|이쁘|(?<!불)친절|유익|재밌|재미있|만족|다행|해결됐|해결 ?되었|잘 ?받았|잘 ?들었|잘 ?봤|반짝|즐거웠|즐거운|편하게|편해요|편합니다|덜 ?춥|잘 ?쓰고|잘 ?지내|좋아해|좋아하|회복|빠르시|빠른 ?처리|빠른 ?답변|빠르게 ?처리/u },
  { name: '빨리 됐', pattern: QUICKLY_DONE },
  { name: '잘 지내', pattern: WELL_NOW },
];

/** Advertising, scams, and messages that are not for the district at all. */
export const SPAM_CUES: Cue[] = [
  { name: '광고', pattern: /광고|할인|특가|대출|금리|무담보|신용|수익|당첨|경품|링크|http|www|com |com$|무료|분양|리딩방|코인|주식|투자|카지노|바카라|토토|배송|주문|이벤트|선착순|상담 ?문의|클릭|쿠폰|적립|보장|최대|입장|vip|수신 ?거부|web ?발신|마케팅|방문자|계약금|무이자|잔여 ?세대|정품|명품|가입|부업|재택 ?알바|고수익|친추|친구 ?추가|오픈 ?채팅|오픈톡|텔레그램|카톡 ?id|(?:^| )id(?= |$)/u },
  { name: '욕설', pattern: /놈|새끼|새기|씨발|시발|ㅅㅂ|ㅆㅂ|병신|ㅂㅅ|미친|꺼져|닥쳐|무능|그만둬|그만 ?둬라|도둑|개같|멍청|한심|ㅉㅉ|(?<![가-힣])니들|너네|니네|느그|자격 ?없|썩었|쓰레기들|쓰레기 ?같은|축내|짤라|잘라야|월급 ?루팡|세금 ?(?:도둑|낭비|충|축)|(?:놈|년|것)들(?= |$)|뒤져|죽어라|나가 ?죽|x같|ㅈ같|꼴 ?보기|등신|개판|사퇴|물러나|엎어 ?버|닥치|인간들|버러지|기생충|짤려|(?:^| )ㅗ+(?= |$)/u },
  { name: '잡담', pattern: /잘못 ?보냈|잘못 ?보냄|잘못 ?왔|테스트|ㅁㄴㅇㄹ|asdf|엄마|아빠|치킨 ?먹|뭐 ?먹|몇시에 ?만나|언제 ?만나|ㅈㅅ|미안 ?잘못|오빠|자기야|사랑해/u },
];

/**
 * Negation anywhere ('안 고쳐졌', '못 자요', '않아요', '없어요'): a message that
 * thanks with a negation in it is not closed automatically ('안녕', '안전',
 * '안내' … are not negations).
 */
export const NEGATION = /(?<![편평미불])안(?!녕|전|내|심|부|에|쪽|팎|방|경|과|마|건|정|락|개|경)|(?:^| )못(?= |[가-힣])|않|없/u;

export interface CueCounts {
  request: number;
  problem: number;
  contrast: number;
  thanks: number;
  spam: number;
  abuse: number;
  chatter: number;
  question: boolean;
  negation: boolean;
  /** Proposal cues: suggests something new. */
  proposal: number;
  /** Information-question cues. */
  inquiry: number;
  sarcasm: number;
  /** '아직', '여전히', '자꾸', '또' (an invitation to come again left out): the problem is still there. */
  still: boolean;
  /**
   * Problem cues outside what the district did for the resident: '불법주차 민원 처리해주셔서'
   * names a problem that is solved ('아직', '여전히' and negations still count elsewhere).
   */
  openProblem: number;
  /** Emoji only (no words): read from the raw text. */
  positiveEmoji: number;
  /**
   * Sentences of two words or more without any thanks, praise, greeting or
   * "done for me" word: in a message that thanks, they are likely a report.
   */
  plainSentences: number;
  /** Plain sentences with a problem word: a report, whatever thanks surround it. */
  problemSentences: number;
  /** The plain sentences, joined: what the message says besides thanks. */
  plainText: string;
  /** Per sentence: does it ask for something (a request or a question)? */
  asking: boolean[];
  /** The last sentence carries a request or a question. */
  requestAtEnd: boolean;
  /** Names of the cues found, for reasons. */
  names: string[];
}

const POSITIVE_EMOJI = /[\u{1F44F}\u{1F64C}\u{1F389}\u{1F38A}\u{1F60D}\u{1F647}\u{1F31F}\u{2B50}\u{1F49D}\u{1F49E}\u{1F499}\u{1F49A}\u{1F49B}\u{1F49C}\u{1F9E1}\u{1F338}\u{1F337}\u{1F33B}\u{263A}\u{1F44D}\u{1F44F}\u{1F64F}\u{2764}\u{1F495}\u{1F496}\u{1F497}\u{1F60A}\u{1F970}\u{263A}\u{1F600}\u{1F604}\u{1F601}\u{1F618}\u{1F339}\u{1F490}\u{1F4AA}\u{1F384}\u{1F381}\u{2728}\u{1F929}\u{1F44C}]|\^\^|\^_\^/gu;
const PHONE = /0\d{1,2}[- .]?\d{3,4}[- .]?\d{4}|080[- ]?\d{3}/u;
const URL = /https?:|www\.|\.(?:com|kr|net|ly|me)\b|bit\.ly/iu;

function count(cues: Cue[], text: string, names: string[]): number {
  let n = 0;
  for (const cue of cues) {
    if (cue.pattern.test(text)) {
      n++;
      names.push(cue.name);
    }
  }
  return n;
}

function sentences(p: PreparedText): string[][] {
  const out: string[][] = Array.from({ length: p.sentenceCount }, () => []);
  p.words.forEach((w, i) => out[p.sentenceOfWord[i]!]!.push(w));
  return out;
}

function lastSentence(p: PreparedText): string {
  const last = p.sentenceCount - 1;
  const words: string[] = [];
  for (let i = 0; i < p.words.length; i++) if (p.sentenceOfWord[i] === last) words.push(p.words[i]!);
  return words.join(' ');
}

/**
 * Words that report something done for the resident ('고쳐주셔서', '챙겨 주신',
 * '처리해주셨네요') are thanks, not requests; they are left out when looking
 * for requests. '해 주셨으면' (a wish) stays.
 */
const DONE_FOR_ME = /[가-힣]{0,4} ?(?:주셔서|주셨(?!으면)|주신|주심|줘서|줬어|줬네|줬다|주었)[가-힣]{0,3}|(?:칭찬|고맙다고|감사하다고|감사 ?인사|인사)(?: ?좀| ?꼭)? ?(?:해 ?주|부탁|전해)[가-힣 ]{0,4}/gu;

/** Up to three words ending in something done for the resident: a problem named there is solved. */
const SOLVED = /(?:[가-힣]+ ){0,2}[가-힣]*(?:주셔서|주셨(?!으면)|주신|해 ?주심)[가-힣]*/gu;

const GOOD_OUTCOME = /(?:덕분에|덕택에|이제)(?: [가-힣]+){0,4}/gu;

export function requestText(spaced: string): string {
  return spaced.replace(DONE_FOR_ME, ' ');
}

export function findCues(p: PreparedText): CueCounts {
  const names: string[] = [];
  const text = p.spaced;
  // The text without phrases that name a problem only to say it is over (settledText): the vetoes read it.
  const settled = settledText(text);
  const request = count(REQUEST_CUES, requestText(settled), names);
  const problem = count(PROBLEM_CUES, text, names);
  const contrast = count(CONTRAST_CUES, settled, names);
  const thanks = count(THANKS_CUES, text, names) + (POSITIVE_EMOJI.test(p.raw) ? 1 : 0);
  POSITIVE_EMOJI.lastIndex = 0;
  const spamNames: string[] = [];
  const spamCues = SPAM_CUES.filter((c) => c.name === '광고');
  let spam = count(spamCues, text, spamNames);
  if (PHONE.test(p.raw)) spam++;
  if (URL.test(p.raw)) spam++;
  const abuse = count(SPAM_CUES.filter((c) => c.name === '욕설'), text, names);
  const chatter = count(SPAM_CUES.filter((c) => c.name === '잡담'), text, names);
  names.push(...spamNames);
  const question = /[?？]/u.test(p.raw);
  const end = lastSentence(p);
  const requestAtEnd = REQUEST_CUES.some((c) => c.pattern.test(requestText(end))) || /[?？]\s*$/u.test(p.raw.trim());
  // '덕분에 물이 안 찼어요', '이제 지각 안 해요': a negation that is the good outcome of what was
  // done. Problem words there ('안 나와요') are still caught by the problem cues.
  const negation = NEGATION.test(settled.replace(GOOD_OUTCOME, ' '));
  // '예쁜 골목 만들어 주셔서' is done, not suggested: proposals are read without what was done.
  const proposal = count(PROPOSAL_CUES, requestText(settled), names);
  const inquiry = count(INQUIRY_CUES, requestText(settled), names);
  const sarcasm = SARCASM.test(text) ? 1 : 0;
  const still = STILL.test(settled);
  const openProblem = count(PROBLEM_CUES, settled.replace(SOLVED, ' '), []);
  const positiveEmoji = (p.raw.match(POSITIVE_EMOJI) ?? []).length;
  POSITIVE_EMOJI.lastIndex = 0;
  let plainSentences = 0;
  let problemSentences = 0;
  const plain: string[] = [];
  const asking: boolean[] = [];
  for (const sentence of sentences(p)) {
    const joined = sentence.join(' ');
    asking.push(p.sentenceCount > 1 && REQUEST_CUES.some((c) => c.pattern.test(requestText(joined))));
    if (sentence.length < 2) continue;
    const thanked =
      THANKS_CUES.some((c) => c.pattern.test(joined)) || new RegExp(DONE_FOR_ME.source, 'u').test(joined);
    if (thanked) continue;
    plainSentences++;
    plain.push(joined);
    const settledSentence = settledText(joined);
    if (PROBLEM_CUES.some((c) => c.pattern.test(settledSentence))) problemSentences++;
  }
  return {
    request,
    problem,
    contrast,
    thanks,
    spam,
    abuse,
    chatter,
    question,
    negation,
    proposal,
    inquiry,
    sarcasm,
    still,
    openProblem,
    positiveEmoji,
    plainSentences,
    problemSentences,
    plainText: plain.join('. '),
    asking,
    requestAtEnd,
    names,
  };
}

/** Share of words that are bare jamo (ㅋㅋ, ㅁㄴㅇㄹ): chatter rather than a message. */
export function jamoShare(p: PreparedText): number {
  if (p.words.length === 0) return 0;
  let jamo = 0;
  for (const w of p.words) if (/^[\u3131-\u318e]+$/u.test(w)) jamo++;
  return jamo / p.words.length;
}
