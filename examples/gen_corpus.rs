//! A deterministic synthetic corpus of sales calls for benchmarks (issue #6).
//!
//! ```sh
//! cargo run --release --example gen_corpus -- --calls 20000 --seed 42 > target/bench/corpus.jsonl
//! cargo run --release --example gen_corpus -- --mb 1024 --seed 42 --out target/bench/big.jsonl
//! ```
//!
//! Every call is one JSON object per line, `{"id", "meta": {...}, "turns": [{"speaker", "text"}]}`,
//! with speakers 坐席/客户: the seed scenario (长江移动, 乐享畅聊套) built from the script lines of
//! the default rubric and the dev fixtures, paraphrased, with ASR noise (dropped punctuation,
//! homophones, numerals as words, fillers) and violations mixed in. Call `i` depends only on
//! `(seed, i)`, so a smaller corpus is a prefix of a larger one with the same seed.
//!
//! `--crosswoz PATH` mixes in CrossWOZ dialogues (Apache-2.0, read at generation time from
//! `../shared/corpora/crosswoz/test_compact.jsonl`; nothing of it is stored in this repository).
//!
//! Options: `--calls N` (default 1000), `--seed S` (default 42), `--format jsonl|json`,
//! `--mb M` (stop once M MiB are written; with `--calls` too, whichever comes first),
//! `--out PATH` (default stdout), `--crosswoz PATH`, `--crosswoz-share F` (default 0.1 when a
//! path is given).

use serde::Serialize;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for picking templates.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Templates. `{c}` is how the customer is addressed (张先生 …), `{id}` a WeChat id, `{phone}` a
// mobile number. The first variant of each script step is the script's own line.

const GREETING: &[&str] = &[
    "喂，您好，请问是{c}吗？我是长江移动通信公司套餐服务顾问李明。现在有两分钟吗？想和您沟通下近期的通信体验。",
    "您好，这里是长江移动通信公司李明，近期针对我们的老客户上线了新个人套餐，想了解下您的使用体验，看看是否有更合适的优惠方案推荐。",
    "喂，{c}您好，我这边是长江移动的小李，李明，耽误您一分钟方便吗？",
    "{c}您好，打扰了，我是长江移动的套餐顾问李明，您这会儿说话方便吗？",
    "您好，{c}吗？我是长江移动通信公司的李明，打扰您两分钟方便吗？",
    "喂，您好，是{c}吧？我是长江移动的李明，做套餐服务的，现在方便聊两句吗？",
    "{c}您好，我是长江移动通信公司套餐顾问李明，现在方便吗？",
];
const ACK: &[&str] = &[
    "嗯，是我，啥事？",
    "你说。",
    "说吧。",
    "你说，快点。",
    "方便，简单说。",
    "嗯，你说吧，我这会儿有空。",
    "哪位？哦，长江移动啊，你说。",
    "是我，什么事？",
    "又是推销吧？说吧。",
    "嗯，你说，刚开完一个会。",
];
const PURPOSE: &[&str] = &[
    "感谢您一直以来的信任。最近我们专门为老客户推出了全新个人套餐，尤其在流量和通话配置上针对商务场景做了升级优化，想和您快速核对下，看是否有更适合您的方案。",
    "是这样，公司给老用户出了个新的个人套餐，我打过来帮您对一下，看看有没有比您现在这个更划算的。",
    "我们给用了多年的老客户上了个新套餐，想看看对您是不是更合适。",
    "最近公司给老用户上了个新资费，我打过来帮您看看有没有更省钱的办法。",
    "我们最近给老客户推出了全新个人套餐，想看看是不是更适合您。",
    "主要是我们针对老客户新出了一个套餐方案，流量和通话都加了不少，想跟您简单介绍一下。",
];
const PURPOSE_REPLY: &[&str] = &[
    "哦，又是推套餐的。",
    "嗯。",
    "什么套餐？",
    "那个，我正好月底流量又快用完了，你说的新套餐到底能省多少？",
    "行，你说说看。",
    "我现在这个挺好的，不过你先说。",
    "说实话，前几天也有人打过电话，这次方案和之前那个有啥区别么？能不能直接说关键点。",
    "嗯，你继续。",
];
const NEEDS: &[&str] = &[
    "您现在用的流量和通话，每月够用吗？最近有没有遇到额度不够或者网络速度变慢的情况？",
    "请问您主要的通信场景是办公、出差视频、还是社交娱乐等？比如视频会议、在线协同等，对速度或者流量的要求高不高？",
    "您平时流量够不够花？电话打得多不多？",
    "您现在主要是上网多还是打电话多？",
    "想先了解一下，您每个月流量大概用多少，平时够用吗？",
    "您出差多不多？开视频会议的时候网速怎么样？",
    "先跟您确认下情况。您现在用的流量和通话，每月够用吗？",
];
const NEEDS_REPLY: &[&str] = &[
    "流量是真不够，月底老提示快用完了，网速倒还行。",
    "主要开视频会，出差也多。",
    "电话多，流量月底总是紧巴巴的。",
    "都多，开视频会议费流量。",
    "不太够，经常开视频会。",
    "还行吧，基本用公司wifi，电话也少。",
    "流量不太够，月底老提示。",
    "差不多够，偶尔超一点，超了就得另外买流量包。",
    "出差的时候用得多，高铁上看视频老卡。",
];
const PITCH: &[&str] = &[
    "据我们后台统计，您的流量近几个月提升明显，像“乐享畅聊套”每月可享30GB不限速流量再加500分钟国内通话，很适合近期用网较多的商务客户。流量就算用完也不会降速，月底绝不断网，保障您的项目沟通随时在线。",
    "那挺对路的，这个叫乐享畅聊套，流量每个月三十个G，用完也不降速，国内通话有五百分钟。",
    "那我推荐您看看乐享畅聊套，每月30G流量不限速，再加500分钟国内通话，开会基本够用。",
    "新套餐是一个月三十G流量不限速、国内五百分钟电话，您要是以后出差多可以考虑。",
    "乐享畅聊套每月30GB不限速流量，加500分钟国内通话，挺适合您这种经常出差的。",
    "像您这种情况，乐享畅聊套就很合适，每月30GB流量用完也不降速，还有500分钟国内通话。",
];
const PITCH_REPLY: &[&str] = &[
    "听着还行。",
    "多少钱一个月？",
    "嗯，有资料吗？",
    "哦，那价格呢？",
    "三十个G够我用了，多少钱？",
    "听起来不错，但我得看看价格。",
    "嗯，我得跟同事一起看看。",
];
const PROBE: &[&str] = &[
    "我了解到老客户最关心的通常是价格、流量额度和办理便捷度，您这边最重视哪一方面？还是说有哪些具体用网难题希望优先解决？",
    "如果这次方案有专属优惠或多送流量，您会考虑转套餐尝试下吗？",
    "您比较看重的是价格还是流量呢？",
    "您更在意哪方面，流量、通话还是价格？",
];
const PROBE_REPLY: &[&str] =
    &["价格呗，还有能不能随时退回去。", "主要看价格。", "流量吧，通话其实够。", "都看看吧，你先说价格。"];
const OFFER: &[&str] = &[
    "这个新套餐现在首月半价，最低只要59元，后续也有周期性优惠，比如热门APP免流和老客户购物额外福利，而且不绑定长期合约，套餐自由变更，服务更灵活。套餐灵活可升级可降级，如不适用可随时调整回原套餐，无任何违约金或费用。",
    "第一个月打五折，五十九块，以后也没有合约绑着，想换随时换。",
    "首月半价59元，没有长期合约，随时可以换回原来的套餐。",
    "价格方面首月半价，只要59元，热门APP还免流，不绑定合约。",
    "头一个月只收一半，59块，后面不满意随时调整回原套餐，没有违约金。",
];
const OFFER_REPLY: &[&str] = &["嗯，那还行。用的人多吗？", "那还可以。", "不绑合约是吧？", "行吧，听着还行。", "嗯。"];
const TRUST: &[&str] = &[
    "目前这款套餐已超50万人次使用，客户满意度高达96%，我们也配备专属客服，遇到任何问题都能得到快速响应。",
    "这个套餐已经有五十万人次在用了，满意度挺高的，有问题专属客服24小时内响应。",
    "很多老客户都在用，口碑不错，售后问题承诺24小时内响应。",
];
const TRUST_REPLY: &[&str] = &["行吧。", "嗯。", "那还行。", "哦，这样啊。"];
const CONTACT: &[&str] = &[
    "为让您更直观了解套餐，麻烦您方便的话提供一下微信号？我会马上发送详细信息及专属优惠，不做群发骚扰，后续仅在您有需要时主动沟通。",
    "那我把资料发给您吧，您留个手机号或者微信都行，我只发这份套餐说明，不会给您群发广告。",
    "有的，我加您微信发一份完整说明和优惠，方便吗？只发套餐资料，不会打扰您。",
    "好的，方便留个微信号吗？只发套餐资料，不会群发打扰。",
    "方便的话加个微信，我把详细资料发您，信息严格保密，不会骚扰。",
];
const GIVE_ID: &[&str] = &[
    "我报一下微信啊，{id}，等会你推一下资料。",
    "微信{id}，别发太多。",
    "{id}，加的时候备注一下长江移动。",
    "行，微信就是{id}。",
    "那行吧，微信{id}。",
];
const GIVE_PHONE: &[&str] = &["就发这个手机吧，{phone}，短信发我。", "你加我手机号吧，{phone}。"];
const WORRY: &[&str] = &[
    "微信你可以发我，别发太多……不过会不会泄露啊？我之前资料被泄露过。",
    "加微信干嘛？我之前办个什么优惠，资料被泄露了，一天接三个推销电话。你们会不会泄露我信息？",
    "你们不会天天打电话骚扰吧？",
];
const REASSURE: &[&str] = &[
    "您的微信仅用于发送套餐及福利信息，绝不泄露或乱发，若后续不需要可随时停止联系。",
    "理解您的顾虑。微信只用来给您发这份套餐资料，不会提供给任何第三方，也不会群发广告；您看完不想要了，说一声我们就不再联系。不加也完全不影响办理，短信发您也行。",
    "您放心，信息严格保密，只发这一份资料，不会打扰您。",
];
const WRAP: &[&str] = &[
    "您目前还有其他关于套餐内容、优惠政策或办理流程的疑问吗？",
    "好的，{id}，只发一份说明。还有别的想了解的吗？",
    "您还有什么想问的吗？",
    "好的，马上加您。您还有其他疑问吗？",
];
const WRAP_REPLY: &[&str] = &["没了，你发我吧。", "没了。", "没了，先这样。", "暂时没有了。"];
const CLOSE_CAPTURED: &[&str] = &[
    "非常感谢您的时间和信任。您的微信号已经记下，我会第一时间加您并推送详细套餐和优惠说明。如果遇到任何问题欢迎随时微信或电话联系我。祝您一天工作顺利！",
    "感谢您的配合，您的微信号已记录，我会立刻发送详细资料及专属优惠。如有后续问题欢迎随时联系，祝您工作愉快！",
    "好嘞，谢谢{c}，打扰您了，再见。",
    "好的，感谢您的时间，资料马上发您，祝您工作顺利，再见。",
];
const CLOSE_PLAIN: &[&str] = &[
    "好的，那不耽误您了，感谢您接电话，祝您工作顺利，再见。",
    "好的，打扰了，感谢接听，再见。",
    "理解，那先不打扰您了，有需要随时联系我们，祝您生活愉快。",
    "好的好的，谢谢{c}，再见。",
];
const DECLINE: &[&str] = &[
    "用不上，我现在这个够了，不用了。",
    "我现在这个够用了，不需要，谢谢。",
    "不感兴趣，以后别打了。",
    "算了吧，暂时不用。",
    "不考虑了，我现在这个挺好。",
];
const REFUSE_CONTACT: &[&str] = &["微信就不加了，不想给。", "不用加了，我自己去营业厅看。", "不留了，算了。"];
const HONOUR_REFUSAL: &[&str] =
    &["好的，尊重您的选择，您有需要随时打我们客服热线。", "没关系，那您方便的时候去营业厅了解也可以。"];
const BUSY: &[&str] = &[
    "行，我要开会了，你微信发我吧，{id}。",
    "不好意思，我在开车，不太方便，晚点再说，微信{id}。",
    "我现在在忙，明天下午再打给我吧。",
    "听着还行。后面有会议要进了，资料你微信发我，{id}。",
];
const BUSY_CLOSE: &[&str] = &[
    "好的，不打扰您了，资料我稍后微信发您，祝您工作顺利！",
    "明白，那我明天下午再给您打，先不打扰您了，再见。",
    "好的好的，您先忙，资料稍后发您，再见。",
];
const AGREE: &[&str] = &["行，那就办吧。", "可以，帮我办一个。", "那你帮我升级吧。", "听着不错，给我办了吧。"];
const AGREE_CONFIRM: &[&str] = &[
    "好的，我这边帮您提交升级申请，下个月一号生效，生效后会有短信通知。",
    "好嘞，已经帮您登记了，稍后会收到确认短信，您回复确认就可以。",
];
const REPEAT_ASK: &[&str] = &["喂？信号不太好，你再说一遍。", "啊？没听清，刚才说的啥？"];
const SMALLTALK: &[&str] = &[
    "你们这个跟营业厅那个是一样的吗？",
    "我这个号用了十几年了，换套餐号码不变吧？",
    "等一下，我这边有人叫我……好了，你说。",
    "宽带能一起办吗？",
];
const SMALLTALK_ANSWER: &[&str] = &[
    "是一样的，号码不变，只是套餐换了，您原来的号码和余额都保留。",
    "宽带这边我帮您记一下，后面让专门负责的同事联系您。",
    "没问题，您说。",
];

/// Agent lines that break a rule, with the code they should trigger.
const VIOLATIONS: &[(&str, &str)] = &[
    ("OP001", "我保证您用了绝对不会后悔。"),
    ("OP002", "而且每月有100GB流量，随便用都用不完。"),
    ("OP003", "这个价格是全网最低的，您去哪儿都找不到更便宜的。"),
    ("OP004", "只有今天，名额有限，过了今天就恢复原价。"),
    ("OP005", "现在办还送您一台手机，另外每月返现。"),
    ("SY001", "作为一个AI助手，我可以帮您查询套餐的详细信息。"),
    ("SY002", "（微笑）这个套餐真的很适合您。"),
    ("SY004", "你听不懂吗？我刚才说过了。"),
    ("PV004", "方便的话把收到的验证码告诉我一下，我帮您核对身份。"),
];

const CUSTOMERS: &[&str] = &["张先生", "王女士", "李先生", "陈女士", "刘先生", "赵女士", "杨先生", "周女士"];
const TEAMS: &[&str] = &["外呼一组", "外呼二组", "外呼三组"];
const AGENTS: &[&str] = &["李明", "李明-a", "李明-b", "sim-agent"];
const PROMPTS: &[&str] = &["human-recorded", "v1.2", "v1.3", "v2.0"];
const AGENT_PREFIX: &[&str] = &["", "", "", "嗯，", "好的，", "是这样，", "那个，", "明白，"];
const CUSTOMER_PREFIX: &[&str] = &["", "", "", "嗯，", "啊，", "哦，", "那个，"];
/// Light paraphrase: word swaps applied to agent lines.
const SWAPS: &[(&str, &str)] = &[
    ("非常感谢", "十分感谢"),
    ("马上", "立刻"),
    ("详细资料", "具体资料"),
    ("您好", "你好"),
    ("最近", "近期"),
    ("推出", "上线"),
    ("方便", "方便的话"),
];
/// ASR confusions (what a recognizer hears instead).
const HOMOPHONES: &[(&str, &str)] = &[
    ("长江移动", "长江一动"),
    ("乐享畅聊套", "乐想畅聊套"),
    ("微信", "威信"),
    ("套餐", "淘餐"),
    ("流量", "流亮"),
    ("资料", "咨料"),
];
/// Numerals as an ASR engine writes them out.
const NUMERALS: &[(&str, &str)] = &[
    ("30GB", "三十个G"),
    ("30G", "三十G"),
    ("500分钟", "五百分钟"),
    ("59元", "五十九块"),
    ("59块", "五十九块"),
    ("96%", "百分之九十六"),
    ("50万", "五十万"),
    ("24小时", "二十四小时"),
    ("100GB", "一百个G"),
];

#[derive(Serialize)]
struct Meta {
    agent: &'static str,
    team: &'static str,
    prompt_version: &'static str,
    date: String,
    scenario: &'static str,
    style: &'static str,
}

#[derive(Serialize)]
struct Turn {
    speaker: &'static str,
    text: String,
}

#[derive(Serialize)]
struct Call {
    id: String,
    meta: Meta,
    turns: Vec<Turn>,
}

const AGENT: &str = "坐席";
const CUSTOMER: &str = "客户";

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Faithful,
    Paraphrase,
    Asr,
}

/// One call being built.
struct Builder<'r> {
    rng: &'r mut Rng,
    style: Style,
    customer: &'static str,
    id: String,
    phone: String,
    turns: Vec<Turn>,
}

impl Builder<'_> {
    fn fill(&self, template: &str) -> String {
        template.replace("{c}", self.customer).replace("{id}", &self.id).replace("{phone}", &self.phone)
    }

    /// An agent line: the script's own wording in faithful calls, any variant otherwise.
    fn agent(&mut self, variants: &[&str]) {
        let t =
            if self.style == Style::Faithful && self.rng.chance(0.8) { variants[0] } else { self.rng.pick(variants) };
        let mut text = self.fill(t);
        if self.style != Style::Faithful {
            for &(a, b) in SWAPS {
                if text.contains(a) && self.rng.chance(0.3) {
                    text = text.replacen(a, b, 1);
                }
            }
            text = format!("{}{text}", self.rng.pick(AGENT_PREFIX));
        }
        self.turns.push(Turn { speaker: AGENT, text });
    }

    fn agent_line(&mut self, text: &str) {
        let text = self.fill(text);
        self.turns.push(Turn { speaker: AGENT, text });
    }

    fn customer(&mut self, variants: &[&str]) {
        let t = self.rng.pick(variants);
        let prefix = if self.style == Style::Faithful { "" } else { self.rng.pick(CUSTOMER_PREFIX) };
        let text = format!("{prefix}{}", self.fill(t));
        self.turns.push(Turn { speaker: CUSTOMER, text });
    }

    /// Sometimes the customer interrupts (bad line, a question); the agent repeats or answers.
    fn maybe_interrupt(&mut self) {
        if self.rng.chance(0.06) {
            let last_agent = self.turns.iter().rev().find(|t| t.speaker == AGENT).map(|t| t.text.clone());
            self.customer(REPEAT_ASK);
            if let Some(text) = last_agent {
                self.turns.push(Turn { speaker: AGENT, text });
            }
        } else if self.rng.chance(0.08) {
            self.customer(SMALLTALK);
            self.agent(SMALLTALK_ANSWER);
        }
    }
}

fn wechat_id(rng: &mut Rng) -> String {
    const SURNAMES: &[&str] = &["zhang", "wang", "li", "chen", "liu", "zhao", "yang", "zhou"];
    let name = rng.pick(SURNAMES);
    match rng.below(3) {
        0 => format!("qz-{name}"),
        1 => format!("{name}q_{}", 1980 + rng.below(45)),
        _ => format!("{name}{}", 10 + rng.below(990)),
    }
}

fn phone(rng: &mut Rng) -> String {
    let mut s = format!("1{}", 3 + rng.below(7));
    for _ in 0..9 {
        s.push(char::from(b'0' + rng.below(10) as u8));
    }
    s
}

/// ASR noise over a turn: punctuation dropped (spaces instead), homophones, numerals as words,
/// phone digits read out, fillers.
fn asr_noise(rng: &mut Rng, text: &str) -> String {
    let mut s = text.to_string();
    for &(a, b) in NUMERALS {
        if s.contains(a) && rng.chance(0.7) {
            s = s.replace(a, b);
        }
    }
    for &(a, b) in HOMOPHONES {
        if s.contains(a) && rng.chance(0.35) {
            s = s.replacen(a, b, 1);
        }
    }
    let mut out = String::with_capacity(s.len() + 8);
    if rng.chance(0.2) {
        out.push_str(rng.pick(&["嗯 ", "啊 ", "那个 ", "呃 "]));
    }
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // An 11-digit mobile number read out digit by digit.
        if c == '1' && i + 11 <= chars.len() && chars[i..i + 11].iter().all(char::is_ascii_digit) {
            for &d in &chars[i..i + 11] {
                out.push(['零', '幺', '二', '三', '四', '五', '六', '七', '八', '九'][d as usize - '0' as usize]);
            }
            i += 11;
            continue;
        }
        if "，。？！、；：“”‘’…,.?!".contains(c) {
            if !out.ends_with(' ') && i + 1 < chars.len() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    out.trim_end().to_string()
}

#[derive(Clone, Copy)]
enum Scenario {
    Captured,
    Declined,
    Busy,
    Agreed,
    Cutoff,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Captured => "contact_captured",
            Scenario::Declined => "declined",
            Scenario::Busy => "busy_followup",
            Scenario::Agreed => "agreed_upgrade",
            Scenario::Cutoff => "none",
        }
    }
}

/// The seed scenario: one sales call.
fn sales_call(rng: &mut Rng) -> Call {
    let scenario = match rng.below(100) {
        0..35 => Scenario::Captured,
        35..60 => Scenario::Declined,
        60..75 => Scenario::Busy,
        75..94 => Scenario::Agreed,
        _ => Scenario::Cutoff,
    };
    let style = match rng.below(100) {
        0..30 => Style::Faithful,
        30..75 => Style::Paraphrase,
        _ => Style::Asr,
    };
    let customer = rng.pick(CUSTOMERS);
    let (wid, ph) = (wechat_id(rng), phone(rng));
    let mut b = Builder { rng, style, customer, id: wid, phone: ph, turns: Vec::new() };
    // Violations: about a third of the calls break one or two rules.
    let mut violations: Vec<&str> = Vec::new();
    if b.rng.chance(0.3) {
        for _ in 0..1 + b.rng.below(2) {
            violations.push(VIOLATIONS[b.rng.below(VIOLATIONS.len())].1);
        }
    }
    let no_purpose_ask = b.rng.chance(0.05);
    let long_turn = b.rng.chance(0.05);

    if b.rng.chance(0.1) {
        b.customer(&["喂？", "喂，哪位？"]);
    }
    b.agent(GREETING);
    b.customer(ACK);
    b.agent(PURPOSE);
    b.customer(PURPOSE_REPLY);
    b.maybe_interrupt();
    if matches!(scenario, Scenario::Declined) && b.rng.chance(0.3) {
        // An early no.
        b.customer(DECLINE);
        b.agent(CLOSE_PLAIN);
        return finish(b, scenario);
    }
    b.agent(NEEDS);
    b.customer(NEEDS_REPLY);
    if b.rng.chance(0.3) {
        b.agent(NEEDS);
        b.customer(NEEDS_REPLY);
    }
    if matches!(scenario, Scenario::Busy) && b.rng.chance(0.4) {
        b.customer(BUSY);
        b.agent(BUSY_CLOSE);
        return finish(b, scenario);
    }
    if long_turn {
        // One long monologue: pitch, offer and trust in one breath (SY005).
        let text = format!("{}{}{}", b.fill(PITCH[0]), b.fill(OFFER[0]), b.fill(TRUST[0]));
        b.agent_line(&text);
    } else {
        b.agent(PITCH);
    }
    b.customer(PITCH_REPLY);
    b.maybe_interrupt();
    if let Some(v) = violations.pop() {
        b.agent_line(v);
        b.customer(&["真的假的？", "嗯？", "哦。"]);
    }
    if matches!(scenario, Scenario::Cutoff) {
        return finish(b, scenario);
    }
    if b.rng.chance(0.6) {
        b.agent(PROBE);
        b.customer(PROBE_REPLY);
    }
    b.agent(OFFER);
    b.customer(OFFER_REPLY);
    if let Some(v) = violations.pop() {
        b.agent_line(v);
    }
    if b.rng.chance(0.5) {
        b.agent(TRUST);
        b.customer(TRUST_REPLY);
    }
    b.maybe_interrupt();
    match scenario {
        Scenario::Declined => {
            if b.rng.chance(0.5) {
                b.customer(DECLINE);
            } else {
                b.agent(CONTACT);
                b.customer(REFUSE_CONTACT);
                b.agent(HONOUR_REFUSAL);
                b.customer(DECLINE);
            }
            b.agent(CLOSE_PLAIN);
        }
        Scenario::Busy => {
            b.customer(BUSY);
            b.agent(BUSY_CLOSE);
        }
        Scenario::Agreed => {
            b.customer(AGREE);
            b.agent(AGREE_CONFIRM);
            if b.rng.chance(0.5) {
                b.agent(WRAP);
                b.customer(WRAP_REPLY);
            }
            b.agent(CLOSE_PLAIN);
        }
        Scenario::Captured | Scenario::Cutoff => {
            if no_purpose_ask {
                b.agent_line("您微信号多少？");
            } else {
                b.agent(CONTACT);
            }
            if b.rng.chance(0.2) {
                b.customer(WORRY);
                b.agent(REASSURE);
            }
            if b.rng.chance(0.8) {
                b.customer(GIVE_ID)
            } else {
                b.customer(GIVE_PHONE)
            }
            b.agent(WRAP);
            b.customer(WRAP_REPLY);
            b.agent(CLOSE_CAPTURED);
        }
    }
    finish(b, scenario)
}

fn finish(b: Builder<'_>, scenario: Scenario) -> Call {
    let Builder { rng, style, mut turns, .. } = b;
    if style == Style::Asr {
        for t in &mut turns {
            t.text = asr_noise(rng, &t.text);
        }
    }
    let meta = Meta {
        agent: rng.pick(AGENTS),
        team: rng.pick(TEAMS),
        prompt_version: rng.pick(PROMPTS),
        date: format!("2026-10-{:02}", 1 + rng.below(31)),
        scenario: scenario.name(),
        style: match style {
            Style::Faithful => "faithful",
            Style::Paraphrase => "paraphrase",
            Style::Asr => "asr",
        },
    };
    Call { id: String::new(), meta, turns }
}

/// A CrossWOZ dialogue (travel booking, not sales): usr → 客户, sys → 坐席.
fn crosswoz_call(rng: &mut Rng, dialogues: &[Vec<(bool, String)>]) -> Call {
    let d = &dialogues[rng.below(dialogues.len())];
    let turns =
        d.iter().map(|(sys, text)| Turn { speaker: if *sys { AGENT } else { CUSTOMER }, text: text.clone() }).collect();
    let meta = Meta {
        agent: "crosswoz",
        team: "crosswoz",
        prompt_version: "crosswoz",
        date: format!("2026-10-{:02}", 1 + rng.below(31)),
        scenario: "crosswoz",
        style: "crosswoz",
    };
    Call { id: String::new(), meta, turns }
}

fn load_crosswoz(path: &str) -> Result<Vec<Vec<(bool, String)>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        let turns: Vec<(bool, String)> = v["turns"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .filter_map(|t| Some((t["role"].as_str()? == "sys", t["text"].as_str()?.to_string())))
                    .filter(|(_, text)| !text.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if !turns.is_empty() {
            out.push(turns);
        }
    }
    if out.is_empty() {
        return Err(format!("{path}: no dialogues"));
    }
    Ok(out)
}

struct Args {
    calls: Option<u64>,
    seed: u64,
    json_array: bool,
    max_bytes: Option<u64>,
    out: Option<String>,
    crosswoz: Option<String>,
    crosswoz_share: f64,
}

const USAGE: &str = "usage: gen_corpus [--calls N] [--seed S] [--format jsonl|json] [--mb M] [--out PATH] \
                     [--crosswoz PATH] [--crosswoz-share F]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        calls: None,
        seed: 42,
        json_array: false,
        max_bytes: None,
        out: None,
        crosswoz: None,
        crosswoz_share: 0.1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        let bad = |v: &str| format!("invalid value `{v}` for {flag}\n{USAGE}");
        match flag.as_str() {
            "--calls" => {
                let v = value()?;
                a.calls = Some(v.parse().map_err(|_| bad(&v))?);
            }
            "--seed" => {
                let v = value()?;
                a.seed = v.parse().map_err(|_| bad(&v))?;
            }
            "--format" => {
                let v = value()?;
                a.json_array = match v.as_str() {
                    "jsonl" => false,
                    "json" => true,
                    _ => return Err(bad(&v)),
                };
            }
            "--mb" => {
                let v = value()?;
                let mb: f64 = v.parse().map_err(|_| bad(&v))?;
                a.max_bytes = Some((mb * 1024.0 * 1024.0) as u64);
            }
            "--out" => a.out = Some(value()?),
            "--crosswoz" => a.crosswoz = Some(value()?),
            "--crosswoz-share" => {
                let v = value()?;
                a.crosswoz_share = v.parse().map_err(|_| bad(&v))?;
                if !(0.0..=1.0).contains(&a.crosswoz_share) {
                    return Err(bad(&v));
                }
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ => return Err(format!("unknown argument `{flag}`\n{USAGE}")),
        }
    }
    if a.calls.is_none() && a.max_bytes.is_none() {
        a.calls = Some(1000);
    }
    Ok(a)
}

fn run(a: &Args) -> Result<(u64, u64), String> {
    let crosswoz = a.crosswoz.as_deref().map(load_crosswoz).transpose()?;
    let sink: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| format!("{p}: {e}"))?),
        None => Box::new(io::stdout().lock()),
    };
    let mut w = BufWriter::with_capacity(1 << 20, sink);
    let io_err = |e: io::Error| format!("writing: {e}");
    let (mut written, mut n) = (0u64, 0u64);
    if a.json_array {
        w.write_all(b"[\n").map_err(io_err)?;
    }
    let mut line = Vec::with_capacity(8192);
    loop {
        if a.calls.is_some_and(|c| n >= c) || a.max_bytes.is_some_and(|m| written >= m) {
            break;
        }
        let mut rng = Rng::new(a.seed, n);
        let mut call = match &crosswoz {
            Some(d) if rng.chance(a.crosswoz_share) => crosswoz_call(&mut rng, d),
            _ => sales_call(&mut rng),
        };
        call.id = format!("syn-{}-{n:07}", a.seed);
        line.clear();
        if a.json_array && n > 0 {
            line.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut line, &call).map_err(|e| e.to_string())?;
        if !a.json_array {
            line.push(b'\n');
        }
        w.write_all(&line).map_err(io_err)?;
        written += line.len() as u64;
        n += 1;
    }
    if a.json_array {
        w.write_all(b"\n]\n").map_err(io_err)?;
    }
    w.flush().map_err(io_err)?;
    Ok((n, written))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok((n, bytes)) => {
            eprintln!("gen_corpus: {n} calls, {bytes} bytes (seed {})", args.seed);
            ExitCode::SUCCESS
        }
        Err(e) if e.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_corpus: {e}");
            ExitCode::FAILURE
        }
    }
}
