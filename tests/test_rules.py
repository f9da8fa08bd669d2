"""The labelling functions and the governance_rules stage: what each finds, what it leaves alone,
and the scores `rules evaluate` prints."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ner import no_entity, rule_scorer, rules
from pipeline.ner.corpora import follow_guidelines, msra_split, normalised


def spans(function: str, text: str) -> list[str]:
    return [f"{text[s:e]}/{label}" for s, e, label in rules.LABELLING_FUNCTIONS[function](text)]


@pytest.mark.parametrize(("function", "text", "expected"), [
    ("book_titles", "国务院印发《关于加强打击治理电信网络诈骗违法犯罪工作的意见》。", ["《关于加强打击治理电信网络诈骗违法犯罪工作的意见》/POLICY"]),
    ("book_titles", "《〈中共中央关于进一步全面深化改革的决定〉辅导读本》出版。", ["《〈中共中央关于进一步全面深化改革的决定〉辅导读本》/POLICY"]),
    ("book_titles", "央视播出《焦点访谈》节目。", []),  # a TV programme (C36)
    ("book_titles", "发布《关于审理生态环境侵权纠纷案件适用惩罚性赔偿的解释》，讨论《国务院工作规则（修订稿）》，签署并发表《撒马尔罕宣言》。",
     ["《关于审理生态环境侵权纠纷案件适用惩罚性赔偿的解释》/POLICY", "《国务院工作规则（修订稿）》/POLICY", "《撒马尔罕宣言》/POLICY"]),
    ("constitution", "忠于宪法，加强宪法实施，以宪法为核心；加强宪法理论研究，增强宪法意识，由宪法法院裁决，设立国家宪法日。",
     ["宪法/POLICY", "宪法/POLICY", "宪法/POLICY"]),
    ("book_titles", "《求是》杂志发表文章。", []),
    ("decisions", "会议通过了关于修改立法法的决定。", ["关于修改立法法的决定/POLICY"]),
    ("decisions", "审议通过了关于撤销某某政协委员资格的决定。", []),  # a personnel decision
    ("decisions", "委员长会议关于提请审议关于设立全国生态日的决定草案的议案", ["关于设立全国生态日的决定/POLICY"]),
    # an opinion, a notice or a set of measures titled with 关于; not the deputies' suggestions (sixteenth session)
    ("decisions", "原则通过了关于加强和改进全国人大代表学习培训工作的若干意见，审议关于代表对人大工作的意见建议处理情况的报告。",
     ["关于加强和改进全国人大代表学习培训工作的若干意见/POLICY"]),
    ("amended_laws", "修改道路运输条例、国际海运条例等7部行政法规，审议传染病防治法修订草案，启动企业国有资产法执法检查。",
     ["道路运输条例/POLICY", "国际海运条例/POLICY", "传染病防治法/POLICY", "企业国有资产法/POLICY"]),
    # no verb of the legislature before it, a method, the constitution, a decision's law, a title
    ("amended_laws", "这种办法很好，全面贯彻实施宪法，关于修改立法法的决定，修改《烟草专卖法》。", []),
    ("congresses", "深入学习贯彻党的二十大精神和二十届三中全会精神。", ["党的二十大/EVENT", "二十届三中全会/EVENT"]),
    ("congresses", "十四届全国人大常委会第十次会议在京闭幕。", ["十四届全国人大常委会第十次会议/EVENT"]),
    ("congresses", "中国共产党第二十次全国代表大会的报告", ["中国共产党第二十次全国代表大会/EVENT"]),
    # the organs of a numbered session are bodies; the session's time is not one of them
    ("congresses", "选举产生了十四届全国人大一次会议主席团和秘书长，出席十三届全国人大五次会议解放军和武警部队代表团全体会议",
     ["十四届全国人大一次会议主席团/ORG", "十三届全国人大五次会议解放军和武警部队代表团/ORG"]),
    ("congresses", "十四届全国人大二次会议期间代表团审议，十三届全国人大五次会议主席团常务主席第一次会议",
     ["十四届全国人大二次会议/EVENT", "十三届全国人大五次会议主席团常务主席第一次会议/EVENT"]),
    ("congresses", "列席13届全国人大常委会第36次会议，十三届全国人大常委会第一百二十一次委员长会议8日举行。",
     ["13届全国人大常委会第36次会议/EVENT", "十三届全国人大常委会第一百二十一次委员长会议/EVENT"]),
    # a meeting opening a sentence after its date, held 当日 (eleventh session); a quoted theme after a year only by its
    # core, and not a sentence about a meeting
    ("titled_meetings", "9月25日，新时代全面深化改革理论研讨会在北京举行。中国阿根廷人文交流高端论坛当日在北京举办。"
                        "3日，2023年“读懂中国”国际会议在广州举办。5月4日，国家主席习近平致电祝贺伊斯兰合作组织首脑会议在班珠尔召开。"
                        "王毅同梅列多夫举行会谈并共同主持中土合作委员会第六次会议。",
     ["新时代全面深化改革理论研讨会/EVENT", "中国阿根廷人文交流高端论坛/EVENT", "读懂中国/EVENT"]),  # the quoted theme's core
    ("titled_meetings", "李克强主持召开平台企业座谈会。青藏高原生态保护法立法座谈会22日下午在北京召开。",
     ["平台企业座谈会/EVENT", "青藏高原生态保护法立法座谈会/EVENT"]),
    ("titled_meetings", "召开部分省市县纪委书记座谈会，举办20场分论坛，举行新闻发布会，召开“扎实推进”调研协商座谈会。",
     ["扎实推进/EVENT"]),  # the quoted theme alone
    ("titled_meetings", "出席2022年中国国际服务贸易交易会。", ["中国国际服务贸易交易会/EVENT"]),
    # a function word inside a word of the title (协同, 和平) does not make it a description; a count in digits and 同
    # as a preposition do (twelfth session)
    ("titled_meetings", "主持召开深入推进京津冀协同发展座谈会。第二届中非和平安全论坛当日以视频方式举行。已经举办了5届中墨立法机构对话论坛。"
                        "主持召开同企业家座谈会。",
     ["深入推进京津冀协同发展座谈会/EVENT", "第二届中非和平安全论坛/EVENT"]),
    # a count before a titled meeting is its own (seventh session); a body's numbered sitting is routine
    ("titled_meetings", "出席第四次“一带一路”建设工作座谈会并发表讲话，主持召开第三次中央新疆工作座谈会，举行第一次全体会议，"
     "召开第二十二次委员长会议。", ["第四次“一带一路”建设工作座谈会/EVENT", "第三次中央新疆工作座谈会/EVENT"]),
    ("congresses", "已由中华人民共和国第十三届全国人民代表大会常务委员会第三十四次会议于", ["中华人民共和国第十三届全国人民代表大会常务委员会第三十四次会议/EVENT"]),
    ("congresses", "贯彻中共二十大和二十届二中全会精神", ["中共二十大/EVENT", "二十届二中全会/EVENT"]),
    ("congresses", "在二十届中央纪委三次全会上强调，贯彻好三中全会精神，实现党的二十大确定的目标，是十大工程之一",
     ["二十届中央纪委三次全会/EVENT", "党的二十大/EVENT", "三中全会/EVENT"]),
    ("named_meetings", "中央经济工作会议在北京举行。", ["中央经济工作会议/EVENT"]),
    ("named_meetings", "国务院副总理丁薛祥出席座谈会。", []),
    ("named_meetings", "贯彻全国教育大会精神。中共中央向大会主席团提出议案。", ["全国教育大会/EVENT"]),
    ("unquoted_laws", "关于检查食品安全法实施情况的报告", ["食品安全法/POLICY"]),
    ("unquoted_laws", "创新工作方法，依法办事。", []),
    ("quoted_names", "公安部部署开展“净网”“护网”专项行动。", ["净网/PROGRAM", "护网/PROGRAM"]),
    ("quoted_names", "上海“一网通办”平台上线。", ["一网通办/PLATFORM"]),
    ("campaigns", "全国开展禁毒专项斗争。", ["禁毒专项斗争/PROGRAM"]),
    # a quoted “one X, one plan” formula is a programme without a head; not a principle (eleventh session)
    ("quoted_names", "实施“一校一策”，坚持“一城一策、一企一策”，以“一省一单”方式，按“一品一策”原则，“一日一练”。",
     ["一校一策/PROGRAM", "一城一策、一企一策/PROGRAM", "一省一单/PROGRAM"]),
    # games and fairs by their short name, with a known host and the edition inside; a year with 年 stays out;
    # not a body, a site, two games written as one, nor a numbered edition without its host (eleventh session)
    ("named_games", "尊重奥运会，北京2022年冬奥会，杭州第4届亚残运会，2022年冬奥会，2026冬季奥运会，北京冬奥会组委会，冬奥会主媒体中心，"
                    "北京冬奥会冬残奥会总结表彰大会，第五届进博会，办好北京冬奥会、冬残奥会",
     ["奥运会/EVENT", "北京2022年冬奥会/EVENT", "杭州第4届亚残运会/EVENT", "冬奥会/EVENT", "2026冬季奥运会/EVENT",
      "北京冬奥会/EVENT", "冬残奥会/EVENT"]),  # games listed with 、 are two
    ("honours", "他被追授全国优秀共产党员称号。", ["全国优秀共产党员/HONOR"]),
    ("honours", "授予刘欣全国“公安楷模”称号，他获第25届曹禺戏剧文学奖。", ["公安楷模/HONOR", "曹禺戏剧文学奖/HONOR"]),
    ("honours", "看望国家对道德模范的关怀", []),
    # honours counted in a commendation; the honoured in general are not
    ("honours", "全国公安系统982个先进单位、1485名先进个人受到表彰。向受表彰的先进集体和先进个人表示祝贺。",
     ["先进单位/HONOR", "先进个人/HONOR"]),
    ("honours", "44处湿地公园成为新的国家湿地公园，社区成为基层治理示范社区，努力成为中国式现代化建设的先行区。",
     ["国家湿地公园/HONOR", "基层治理示范社区/HONOR"]),
    ("honours", "武警总部为他记一等功，全队荣立集体二等功，是一等功臣。", ["一等功/HONOR", "集体二等功/HONOR"]),
    ("honours", "荣获“二星平安金鼎”，被授予“模范检察院”称号，入选“一带一路”合作项目。",
     ["二星平安金鼎/HONOR", "模范检察院/HONOR"]),
    # a quoted title runs to its closing quote
    ("honours", "被追授为“全国模范法官”。", ["全国模范法官/HONOR"]),
    # a model unit and a youth medal group run to their head; 工人先锋号 stands alone; generic titles, 最美 places and
    # names given to craft are not honours (sixth session)
    ("honours", "全国模范公安单位代表，第27届中国青年五四奖章集体，荣获工人先锋号，荣获“全国工人先锋号”。",
     ["全国模范公安单位/HONOR", "中国青年五四奖章集体/HONOR", "工人先锋号/HONOR", "全国工人先锋号/HONOR"]),
    ("honours", "获得国家荣誉称号的代表，打造“最美赏秋园”，新飞船命名为“梦舟”。", []),
    # a title conferred at a level (获评全国“……”, 入选省级“……”) is the quoted title
    ("honours", "解纷工作法获评全国“枫桥式工作法”，10项机制入选省级“枫桥式工作法”。", ["枫桥式工作法/HONOR", "枫桥式工作法/HONOR"]),
    ("honours", "被评为全国优秀人民警察，获评全国市域社会治理现代化试点合格城市。",
     ["全国优秀人民警察/HONOR", "全国市域社会治理现代化试点合格城市/HONOR"]),
    # national designations of bases, hubs and centres (seventh session); a description of a base is none
    ("honours", "成为全国爱国主义教育示范基地，30个国家物流枢纽入选，建成全国最大的蔓越莓种植基地。",
     ["全国爱国主义教育示范基地/HONOR", "国家物流枢纽/HONOR"]),
    # tenth session: titles coordinated after a named one; bare titles of national honours; levels before labs and
    # green factories; the laboratory's own name is an ORG; “小巨人”
    ("honours", "表彰全国台联系统先进集体和先进工作者，走访慰问道德模范、劳动模范，建立以全国模范教师为代表的体系。",
     ["全国台联系统先进集体/HONOR", "先进工作者/HONOR", "道德模范/HONOR", "劳动模范/HONOR", "全国模范教师/HONOR"]),
    ("honours", "建成70家全国重点实验室，来到新能源电力系统全国重点实验室，创建省级绿色工厂，专精特新“小巨人”企业。",
     ["全国重点实验室/HONOR", "省级绿色工厂/HONOR", "专精特新/HONOR", "小巨人/HONOR"]),
    ("honours", "新版全国和自贸试验区外资准入负面清单。", []),
    # festival prizes after the verb and in its list; a count before a designation; 模范个人; 国防科技 merit (tenth session)
    ("honours", "《长津湖》夺得最佳故事片、最佳导演奖，处于最佳状态，作为全国首个大数据综合试验区，获评全国民族团结进步模范个人，记国防科技三等功。",
     ["最佳故事片/HONOR", "最佳导演奖/HONOR", "大数据综合试验区/HONOR", "全国民族团结进步模范个人/HONOR", "国防科技三等功/HONOR"]),
    ("honours", "影片斩获最佳男配角、最佳摄影、最佳编剧等奖项，正值最佳观赏期。", ["最佳男配角/HONOR", "最佳摄影/HONOR", "最佳编剧/HONOR"]),
    ("honours", "国家级制种大县增加，国家级旅游度假区，重组110家省属重点实验室，7个市级水网先导区，国家高新技术企业2489家。",
     ["国家级制种大县/HONOR", "国家级旅游度假区/HONOR", "省属重点实验室/HONOR", "市级水网先导区/HONOR"]),
    ("honours", "在全国开展全国文明家庭评选。", ["全国文明家庭/HONOR"]),  # a verb between two level words (eleventh session)
    # sixteenth session: a 称号 joining two occasions; ranked lists and finds of the year, from the quote when only a
    # year comes before; a rank among countries is none
    ("honours", "授予148个集体“北京冬奥会、冬残奥会突出贡献集体”称号，深圳龙岗区位于全国百强区前十名。",
     ["北京冬奥会、冬残奥会突出贡献集体/HONOR", "全国百强区/HONOR"]),
    ("honours", "发布“2022中国企业500强”榜单，揭晓“2023年度全国十大考古新发现”，朝着“世界发达国家30强”迈进，建成国家级健康养殖示范场。",
     ["2022中国企业500强/HONOR", "2023年度全国十大考古新发现/HONOR", "国家级健康养殖示范场/HONOR"]),
    ("honours", "获评国家级示范步行街，培育省级智能工厂14家，建设智能工厂，分获最佳纪录片、最佳综艺文艺节目，获最佳综艺节目奖。",
     ["国家级示范步行街/HONOR", "省级智能工厂/HONOR", "最佳纪录片/HONOR", "最佳综艺文艺节目/HONOR", "最佳综艺节目奖/HONOR"]),
    # seventeenth session (the People's Daily honours round): lists of titles before 称号 or after the verb that
    # confers them, quoted or not, a batch number left out; army-wide titles; national science prizes; medals with
    # their class; merit citations in a list; 双拥模范城; not 获得过勋章, nor the generic 国家荣誉称号 or 国家勋章
    ("honours", "先后获得“全省文明单位”、“先进基层党组织”等称号，被评为“优秀共产党员”、“先进工作者”。",
     ["全省文明单位/HONOR", "先进基层党组织/HONOR", "优秀共产党员/HONOR", "先进工作者/HONOR"]),
    ("honours", "县里被授予科技先进县、渔业先进县等称号，两地获得第七批生态文明建设示范区称号。",
     ["科技先进县/HONOR", "渔业先进县/HONOR", "生态文明建设示范区/HONOR"]),
    ("honours", "他被评为全军劳动模范，荣立二等功、三等功，获国家科技进步二等奖和一级八一勋章，所在市是全国双拥模范城。",
     ["全军劳动模范/HONOR", "二等功/HONOR", "三等功/HONOR", "国家科技进步二等奖/HONOR", "一级八一勋章/HONOR",
      "全国双拥模范城/HONOR"]),
    ("honours", "获得过勋章和国家荣誉称号的代表，授予下列人士国家勋章、国家荣誉称号，在福建全省域推进。", []),
    # eighteenth session (the 2022-2024 gold): merit citations counted in a list, a medal of the United Nations,
    # quoted medals; national research designations but not a named centre, a count or the prize's 奖励大会; the
    # designations the gold always marks; a commendation's edition between two level words
    ("honours", "该队荣立集体一等功3次、二等功11次，官兵被授予联合国“和平勋章”，他获颁“二级航天功勋奖章”。",
     ["集体一等功/HONOR", "二等功/HONOR", "和平勋章/HONOR", "二级航天功勋奖章/HONOR"]),
    ("honours", "开展国家重点实验室重组，建设了国家风电工程技术研究中心，培育省级以上企业技术中心，拥有国家企业技术中心，"
                "他获国家最高科学技术奖，出席国家科学技术奖励大会。",
     ["国家重点实验室/HONOR", "国家企业技术中心/HONOR", "国家最高科学技术奖/HONOR"]),
    ("honours", "浙江建设共同富裕示范区，浦东打造社会主义现代化建设引领区，吸引世界500强企业，培育制造业单项冠军企业，"
                "表彰第十三届全国五好家庭。",
     ["共同富裕示范区/HONOR", "社会主义现代化建设引领区/HONOR", "世界500强/HONOR", "制造业单项冠军企业/HONOR", "全国五好家庭/HONOR"]),
    # a year without 年 before a titled event stays inside; not in a 《》 title, not before 第N届 (tenth session)
    # a treaty's numbered conference of the parties with the treaty and its phase (eleventh session)
    ("numbered_editions", "联合国《生物多样性公约》第十五次缔约方大会第二阶段会议，《联合国气候变化框架公约》第28次缔约方大会上。",
     ["联合国《生物多样性公约》第十五次缔约方大会第二阶段会议/EVENT", "《联合国气候变化框架公约》第28次缔约方大会/EVENT"]),
    ("numbered_editions", "在《不扩散核武器条约》第十次审议大会上，《湿地公约》缔约方大会，《湿地公约》第14届缔约方大会。",
     ["《不扩散核武器条约》第十次审议大会/EVENT", "《湿地公约》缔约方大会/EVENT", "《湿地公约》第14届缔约方大会/EVENT"]),
    ("numbered_editions", "首届链博会期间，首届中阿峰会成功举行，首届兰花奖揭晓。", ["首届链博会/EVENT", "首届中阿峰会/EVENT"]),
    ("numbered_editions", "2024北京国际车展开幕，第十四届中国航展在珠海开幕，播出《2024中国诗词大会》，2022年冬奥会。",
     ["2024北京国际车展/EVENT", "第十四届中国航展/EVENT"]),
    ("campaigns", "许多村、社区都开展了摘牌减负行动。", ["摘牌减负行动/PROGRAM"]),  # 了 completes the verb (tenth session)
    ("campaigns", "伊朗将继续支持叙利亚反恐行动，中方支持国际社会采取有力行动。", []),  # operations, not programmes
    # a launching verb governs a list, an item's own verb stays out; 和 inside one long name (eleventh session)
    ("campaigns", "大力实施技能中国行动、高技能领军人才培育计划，推进乡村建设行动、实施技术改造升级工程等。",
     ["技能中国行动/PROGRAM", "高技能领军人才培育计划/PROGRAM", "乡村建设行动/PROGRAM", "技术改造升级工程/PROGRAM"]),
    ("campaigns", "深入实施山水林田湖草沙一体化保护和修复工程，开展扫黑除恶和禁毒专项行动，"
                  "支持构建人类命运共同体理念和全球发展倡议，部署实施了50多个生态保护修复工程，适时推出提高粮食单产攻坚计划。",
     ["山水林田湖草沙一体化保护和修复工程/PROGRAM", "提高粮食单产攻坚计划/PROGRAM"]),
    ("campaigns", "认真开展党纪学习教育，部署开展2022年全国农资打假专项治理行动。", ["党纪学习教育/PROGRAM", "全国农资打假专项治理行动/PROGRAM"]),
    ("campaigns", "持续开展专项整治，拓展主题教育成果。", []),
    # a verb with 者 names the person, and works named by their kind are no programme (fifty-fifth round)
    ("campaigns", "建设者们对全线控制性工程之一进行掘进，及时开展水毁灾损水利工程设施修复，实施科技重大攻关行动。",
     ["科技重大攻关行动/PROGRAM"]),
    # verbs before a bare head leave no name; 展开 launches like 开展; a verb inside a name stays
    ("campaigns", "要持续深入抓好主题教育和教育整顿，部署展开全国酒店电视操作复杂专项治理工作，深入实施国有企业改革深化提升行动",
     ["全国酒店电视操作复杂专项治理/PROGRAM", "国有企业改革深化提升行动/PROGRAM"]),
    ("quoted_names", "开展“安全生产月”活动，推广“合作社+农户”模式，深化“放管服”改革。", ["放管服/PROGRAM"]),
    ("quoted_names", "持续开展“护苗”“净网”“秋风”等专项行动，推出“五点半课堂”“能工巧匠”等特色服务项目，做强“浙丽守未”“浙丽护苗”品牌。",
     ["护苗/PROGRAM", "净网/PROGRAM", "秋风/PROGRAM", "五点半课堂/PROGRAM", "能工巧匠/PROGRAM", "浙丽守未/PROGRAM", "浙丽护苗/PROGRAM"]),
    # a quoted name with its own 模式 or 工程; counted and ranked 工程 are none (tenth session)
    ("quoted_names", "“诺曼底模式”四方会谈，持之以恒推进实施“千万工程”，中非务实合作“九项工程”，开年“一号工程”。",
     ["诺曼底模式/PROGRAM", "千万工程/PROGRAM"]),
    ("quoted_names", "开展“公开课”“进门入户送安全”等活动，“多合一”“一带多”运行管理模式，培育“老李帮忙团”“正道讲和团”等调解品牌。", []),
    ("places", "江苏盱眙90多万亩小麦迎来丰收，四川泸定6.8级地震，和田地区是产区，在武汉市东湖新城社区。",
     ["江苏/LOC", "盱眙/LOC", "四川/LOC", "泸定/LOC", "和田地区/LOC", "武汉市/LOC", "东湖新城社区/LOC"]),
    # a body's or a facility's name, a word after the division word, a river, a title, a county of another province
    ("places", "海南省三亚市政府原党组成员，金华市场主体，黑龙江穆棱河，《海口市消防条例》，浙江盱眙。", []),
    ("places", "在美国明尼苏达州，圭亚那坚定恪守一个中国原则，蒙古国总统。", ["美国/LOC", "明尼苏达州/LOC", "圭亚那/LOC", "蒙古国/LOC"]),
    ("places", "拉美国家，在内蒙古举行，朝鲜半岛问题，同希腊议会交流，一名印度裔学生。", []),
    # a prefecture-level city's short form standing alone; not glued to a word or inside a name
    ("places", "在张家界、常德等地，到湘西。普洱公安机关，李长春、贺国强，八方来宾，世界大同。",
     ["张家界/LOC", "常德/LOC", "湘西/LOC"]),
    # below the county: the townships, villages and communities of a chain, not their bodies nor 乡村 or 行政村
    ("places", "在望城区金山桥街道金坪社区，同江市八岔赫哲族乡八岔村，河北涿州码头镇，琼海市潭门村党支部，该县乡村振兴，行政村。",
     ["望城区/LOC", "金山桥街道/LOC", "金坪社区/LOC", "同江市/LOC", "八岔赫哲族乡/LOC", "八岔村/LOC", "河北/LOC", "涿州/LOC",
      "码头镇/LOC"]),
    ("bodies", "海南省三亚市政府原党组成员，山东省青岛市李沧区委原书记，金华市委政法委，浦江县公安局，美国田纳西州众议院。",
     ["海南省三亚市政府/ORG", "山东省青岛市李沧区委/ORG", "金华市委政法委/ORG", "浦江县公安局/ORG", "美国田纳西州众议院/ORG"]),
    # a unit of the body, a title, a place that is not the body's, a province's name holding a county's (天津市, not 津市)
    ("bodies", "福建省公安厅治安管理总队，贝宁政府所在地，七台河市公安局桃南派出所。", []),
    ("bodies", "金华市委书记", ["金华市委/ORG"]),  # a body inside a title (C5)
    # a country's army, central bank, parliament, ministries and media are one ORG with it; not an official agency
    # named by its kind, nor a unit of the body (eleventh session)
    ("bodies", "俄罗斯军队推进，英国央行预计，俄罗斯国家杜马通过，日本财务省公布，据美国有线电视新闻网报道，伊朗国家电视台播出，"
               "巴勒斯坦官方通讯社消息，朝鲜外务省对外政策室，英国此前将俄罗斯国家杜马列入，匈牙利队夺冠，法国队员。",
     ["俄罗斯军队/ORG", "英国央行/ORG", "俄罗斯国家杜马/ORG", "日本财务省/ORG", "美国有线电视新闻网/ORG", "伊朗国家电视台/ORG",
      "俄罗斯国家杜马/ORG", "匈牙利队/ORG"]),
    ("bodies", "俄罗斯塔斯社8日报道，马来西亚奥林匹克委员会在吉隆坡，也门胡塞武装袭击，伊拉克安全部队，乌克兰派遣战斗部队，"
               "也门境内胡塞武装，黎巴嫩南部多个真主党武装。",
     ["俄罗斯塔斯社/ORG", "马来西亚奥林匹克委员会/ORG", "也门胡塞武装/ORG", "伊拉克安全部队/ORG"]),
    ("bodies", "由天津市高级人民法院审理终结。", ["天津市高级人民法院/ORG"]),
    # any department after a full name, not a hall; a foreign body with a few words before its head, not 警方
    ("bodies", "浙江省水利厅发布预警，在晋城市电视大演播厅，伊朗伊斯兰革命卫队称，美国疾控中心的数据，加拿大警方称。",
     ["浙江省水利厅/ORG", "伊朗伊斯兰革命卫队/ORG", "美国疾控中心/ORG"]),
    # 会同 is a county (会同县): before 市纪委 it is the verb; a district's body written at its old level is its
    # body; 中共 belongs to the party committee's name
    ("bodies", "北京市委组织部会同市纪委监委机关，离石市委，中共北京市委今天发布。",
     ["北京市委组织部/ORG", "离石市委/ORG", "中共北京市委/ORG"]),
    ("quoted_names", "部署开展“清朗网络暴力专项治理行动”，开展“净海2024”打击海上走私专项行动，“六尺巷调解法”被写入报告。",
     ["清朗网络暴力专项治理行动/PROGRAM", "净海2024/PROGRAM", "六尺巷调解法/PROGRAM"]),
    # experiences, working methods and exercises named in quotes are programmes (sixth session)
    ("quoted_names", "推广“浦江”经验，总结“三事分流”工作法，举行“联合利剑2025”军事演习。",
     ["浦江/PROGRAM", "三事分流/PROGRAM", "联合利剑2025/PROGRAM"]),
    # a quoted experience, a system after its quote, and quoted digital applications and handsets are platforms
    ("quoted_names", "推广“东山经验”，建立“三级书记抓调解”责任体系，打造“智治通”“安心联”等一系列数字应用，推广“平安行”手机终端，依托“8890”便民服务平台。",
     ["东山经验/PROGRAM", "三级书记抓调解/PROGRAM", "智治通/PLATFORM", "安心联/PLATFORM", "平安行/PLATFORM", "8890/PLATFORM"]),
    # a quoted phrase of a document, a slogan, a title conferred
    ("quoted_names", "“实施城市更新行动”首次写入，启动“全民反诈在行动”集中宣传月，获评全国“枫桥式工作法”。", []),
    ("campaigns", "听取中央第八轮巡视情况汇报，召开十九届中央第九轮巡视集中反馈会议。", ["中央第八轮巡视/PROGRAM"]),
    # themed years, quoted or a country pair's (eleventh session); not “两个一百年”
    ("awareness_days", "开展“消费提振年”活动，以“埃中伙伴年”为契机，举办中俄文化年，实现“两个一百年”。",
     ["消费提振年/EVENT", "埃中伙伴年/EVENT", "中俄文化年/EVENT"]),
    ("quoted_names", "开展“履职能力建设年”活动。", []),  # a themed year is the EVENT, not a programme
    ("awareness_days", "今天是第23个世界知识产权日，也是第22个全国“安全生产月”，第16个全国防灾减灾日。",
     ["世界知识产权日/EVENT", "安全生产月/EVENT", "全国防灾减灾日/EVENT"]),
    ("awareness_days", "在全国交通安全日前夕，设立国家宪法日，举办5·15全国投资者保护宣传日活动。",
     ["全国交通安全日/EVENT", "国家宪法日/EVENT", "5·15全国投资者保护宣传日/EVENT"]),
    ("awareness_days", "第四个警察节来临之际，第九个比赛日，台湾光复纪念日。", []),  # festival, match day, anniversary
    # the heads of the 2022-2024 gold (seventh session); a 日 going on as a word, and 日 as "a day", are none
    ("awareness_days", "今天是中国品牌日，也是国际家庭日，全国消费促进月启动。", ["中国品牌日/EVENT", "国际家庭日/EVENT", "全国消费促进月/EVENT"]),
    ("awareness_days", "中国品牌日益提升影响力，国际人文交流活动日前举行，全国铁路日发送旅客1200万人次。", []),
    ("numbered_editions", "第75届世界卫生大会在日内瓦召开，第十四届全国冬季运动会火炬传递，第十届金砖国家议会论坛举行。",
     ["第75届世界卫生大会/EVENT", "第十四届全国冬季运动会/EVENT", "第十届金砖国家议会论坛/EVENT"]),
    ("numbered_editions", "第十四届全国人民代表大会第一次会议，第三届大会闭幕，第九届中国戏剧奖颁奖大会。", []),
    # the short names of recurring games and fairs are names by themselves
    ("numbered_editions", "第134届广交会第二期开幕，2024年第33届夏季奥运会在巴黎开幕。", ["第134届广交会/EVENT", "第33届夏季奥运会/EVENT"]),
    ("numbered_editions", "本届美洲峰会面对挑战，本届进博会贸易投资对接会全部结束，本届冬运会将于2月举行。",
     ["美洲峰会/EVENT", "进博会贸易投资对接会/EVENT", "冬运会/EVENT"]),
    ("numbered_editions", "肯定本届特别行政区政府的工作，本届人大常委会任期内。", []),
    # a bare head after 本届 refers back; the show floor after a fair's name stays out; weeks and camps have editions
    ("numbered_editions", "本届博览会聚焦数字经济，本届高交会展会面积扩大，第五届澜湄视听周开幕，第三届青年短视频创作营启动。",
     ["第五届澜湄视听周/EVENT", "第三届青年短视频创作营/EVENT", "高交会/EVENT"]),
    ("titled_meetings", "国新办举行“推动高质量发展”系列主题新闻发布会，当天闭幕的吉达“安全与发展”峰会，开展“公开课”活动。",
     ["推动高质量发展/EVENT", "安全与发展/EVENT"]),
    # themes of forums, exhibitions and contests (eighth round); a programme inside an edition's name is not one
    ("titled_meetings", "“中国新疆的历史与未来”国际论坛在喀什举行，“奋进新时代”主题成就展开幕，“看见美丽中国”全国短视频大赛落幕，"
     "举办三届“一带一路”国际合作高峰论坛。", ["中国新疆的历史与未来/EVENT", "奋进新时代/EVENT", "看见美丽中国/EVENT"]),
    # a meeting or congress titled by its subject; a body's routine sitting is not one (sixth session)
    ("titled_meetings", "出席长江经济带生态保护协商会议，主持召开国务院党组会议，举行第一次全体会议，召开中央政治局会议。",
     ["长江经济带生态保护协商会议/EVENT"]),
    ("named_meetings", "出席全国巡视工作会议暨十九届中央第九轮巡视动员部署会。十四届全国政协第十六次双周协商座谈会29日召开。",
     ["全国巡视工作会议暨十九届中央第九轮巡视动员部署会/EVENT", "十四届全国政协第十六次双周协商座谈会/EVENT"]),
    ("named_meetings", "主持召开新一届国务院第一次常务会议。", ["国务院第一次常务会议/EVENT"]),
    # the ordinal of a numbered meeting belongs to its name; a body's plenary without one is no title
    ("named_meetings", "第九次全国信访工作会议25日召开。待召开中央委员会全体会议时予以追认。",
     ["第九次全国信访工作会议/EVENT"]),
    ("campaigns", "开展安全生产专项整治三年行动，实施新一轮千亿斤粮食产能提升行动，统筹实施自然灾害防治九项重点工程。",
     ["安全生产专项整治三年行动/PROGRAM", "千亿斤粮食产能提升行动/PROGRAM"]),
    ("campaigns", "在全国开展岁末年初安全生产大检查，部署安排专项整治。", ["安全生产大检查/PROGRAM"]),
    # a manner word stays outside, 打击整治 opens a name but is none before a bare head, a season stays inside
    # (guidelines, fourth 新闻联播 round)
    ("campaigns", "部署开展集中打击妨害国（边）境管理犯罪专项斗争，统一开展打击整治网络谣言专项行动，开展打击整治专项行动。",
     ["打击妨害国（边）境管理犯罪专项斗争/PROGRAM", "打击整治网络谣言专项行动/PROGRAM"]),
    ("campaigns", "部署开展夏季治安打击整治行动，启动2023年海洋伏季休渔专项执法行动。",
     ["夏季治安打击整治行动/PROGRAM", "海洋伏季休渔专项执法行动/PROGRAM"]),
    ("campaigns", "印发《关于实施中华优秀传统文化传承发展工程的意见》。", []),  # the title is the POLICY
    # 联合 inside a name is the name's; leading it, a manner word
    ("campaigns", "水利部启动珠江流域水库群联合调度专项行动，公安部联合开展打击跨境赌博专项行动。",
     ["珠江流域水库群联合调度专项行动/PROGRAM", "打击跨境赌博专项行动/PROGRAM"]),
    # a campaign's plan is the document's name (the POLICY), not the campaign
    ("campaigns", "江苏启动了基础研究三年行动方案，实施乡村建设行动工作方案。", []),
    # quantities make no name (sixth session)
    ("campaigns", "支持许多全球倡议，实施更多惠民工程，实施四大监测能力建设工程，深化数字合作等三点倡议。", []),
    # counts in figures, kinds named by examples, ranks of works and 工程 going on as a word make none (seventh session)
    ("campaigns", "中央部署建设172项节水供水重大水利工程，实施小流域综合治理等重点工程，推进拉萨山南一体化重要工程，"
     "听取中国国际工程咨询有限公司的介绍，实施千亿斤粮食产能提升行动。", ["千亿斤粮食产能提升行动/PROGRAM"]),
    # an inspection round inside a report's title is the title's (the POLICY)
    ("campaigns", "审议《关于二十届中央第三轮巡视情况的综合报告》。", []),
    # 行动 and 计划 alone after a core of four characters or more, at a word's end; 好 completes the verb (ninth session)
    ("campaigns", "实施城市更新行动，组织实施好乡村建设行动，实施现代职业教育质量提升计划，启动2022年度智能制造试点示范行动。",
     ["城市更新行动/PROGRAM", "乡村建设行动/PROGRAM", "现代职业教育质量提升计划/PROGRAM", "智能制造试点示范行动/PROGRAM"]),
    # operations, foreign plans, action plans (the POLICY), a word going on and short cores make none
    ("campaigns", "俄军开展特别军事行动，开展救援行动，推进核污染水排海计划，实施新质生产力培育三年行动计划，"
     "实施母婴安全行动提升计划，落实两国全面合作计划，开展集中收网行动。", []),
    ("congresses", "为九三学社十二大胜利召开做好准备，民进十四大开幕。", ["九三学社十二大/EVENT", "民进十四大/EVENT"]),
    # after 党的 the count is the congress whatever word follows; alone, a count of ten is not (十大合作计划)
    ("congresses", "党的十九大吹响了号角，做好党的二十大维稳安保，实施十大合作计划。", ["党的十九大/EVENT", "党的二十大/EVENT"]),
    # a mass organisation's congress written after its name is one EVENT with it (seventh 新闻联播 round)
    ("congresses", "中国妇女第十三次全国代表大会在京开幕，中国残联第八次全国代表大会闭幕。",
     ["中国妇女第十三次全国代表大会/EVENT", "中国残联第八次全国代表大会/EVENT"]),
    ("named_meetings", "落实中央财经委第四次会议精神，主持召开二十届中央审计委员会第一次会议，联合国人权理事会第52届会议期间，"
     "出席亚太经合组织第三十一次领导人非正式会议。",
     ["中央财经委第四次会议/EVENT", "二十届中央审计委员会第一次会议/EVENT", "联合国人权理事会第52届会议/EVENT",
      "亚太经合组织第三十一次领导人非正式会议/EVENT"]),
    # a country inside a longer foreign name, or before its delegation, is not the country
    ("places", "不列颠哥伦比亚省发生林火，纽芬兰和拉布拉多省，荷兰代表团，访问孟加拉国。", ["孟加拉国/LOC"]),
    # a foreign place whose name holds a country's is the whole place, not the country (2022-2024 gold)
    ("places", "在马里乌波尔，抵达巴西利亚，在努尔苏丹举行，刚果（布）总统，驶入印度洋，马里总统。",
     ["马里乌波尔/LOC", "巴西利亚/LOC", "努尔苏丹/LOC", "刚果（布）/LOC", "印度洋/LOC", "马里/LOC"]),
    ("bodies", "中国政府援助阿富汗，中国驻以色列大使馆国庆招待会，中国驻多国大使馆提醒，登录中国政府网。",
     ["中国政府/ORG", "中国驻以色列大使馆/ORG"]),
])
def test_each_function_finds_its_names_and_leaves_the_rest(function: str, text: str, expected: list[str]) -> None:
    assert spans(function, text) == expected


def test_apply_keeps_the_longest_of_overlapping_spans() -> None:
    text = "通过了关于修改《中华人民共和国国旗法》的决定。"
    assert [(text[s:e], label) for s, e, label in rules.apply(text)] == [("关于修改《中华人民共和国国旗法》的决定", "POLICY")]


def test_score_counts_exact_matches_and_coverage_of_the_labels_a_function_emits() -> None:
    text = "会议审议了《反电信网络诈骗法》和《意见》，贯彻党的二十大精神。"
    gold = [[5, 15, "POLICY"], [23, 28, "EVENT"], [16, 20, "POLICY"]]
    scores = rule_scorer.score([{"text": text, "entities": gold}])
    assert scores["book_titles"] == {"predicted": 2, "correct": 2, "precision": 1.0, "coverage": 1.0, "labels": ["POLICY"]}
    assert scores["congresses"]["coverage"] == 1.0
    assert scores["honours"]["predicted"] == 0 and scores["honours"]["precision"] is None


def test_rules_evaluate_prints_each_function_on_the_chosen_split(tmp_path: Path) -> None:
    text = "会议审议了《反电信网络诈骗法》。"
    records = [{"id": "a", "text": text, "entities": [[5, 15, "POLICY"]], "cats": ["rule_of_law"], "split": "train"},
               {"id": "b", "text": "党的二十大召开。", "entities": [], "cats": ["political_security"], "split": "heldout"}]
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    result = CliRunner().invoke(app, ["rules", "evaluate", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["records"] == 1 and scores["functions"]["book_titles"]["precision"] == 1.0
    assert scores["functions"]["congresses"]["predicted"] == 0  # the held-out record is not read


def test_msra_conventions_become_ours() -> None:
    text = "中共十五大通过了《中华人民共和国刑法》修正案。"
    record = follow_guidelines({"id": "m", "text": text, "entities": [[0, 5, "ORG"]]})
    assert record["entities"] == [[0, 5, "EVENT"]]
    assert [text[s:e] for s, e in record["missing"]] == ["《中华人民共和国刑法》"]
    text = "高举邓小平理论伟大旗帜，中方会见了邓小平同志的家属。"
    record = follow_guidelines({"id": "m", "text": text, "entities": [[2, 5, "PERSON"], [12, 13, "LOC"], [17, 20, "PERSON"]]})
    assert record["entities"] == [[17, 20, "PERSON"]]  # not inside the doctrine, nor 中 of 中方


def test_the_blocks_split_keeps_articles_together_and_near_duplicates_on_one_side() -> None:
    words = "春夏秋冬东南西北金木水火土山川河海风云雷电日月星辰天地人和平"
    records = [{"id": str(i), "text": f"{words[i % 30]}{words[i // 30 % 30]}{words[i // 900 % 30]}报道第{i}条。", "entities": []}
               for i in range(400)]
    twin = 45  # in the dev blocks (4 sentences a block, every tenth block from the sixth on)
    records[twin]["text"] = records[3]["text"].replace("3", "8")  # the same sentence with another number
    train, dev = msra_split(records, 0.1, "blocks")
    assert len(train) + len(dev) == 400
    dev_ids = sorted(int(r["id"]) for r in dev)
    assert dev_ids[:4] == [20, 21, 22, 23] and all((i // 4) % 10 == 5 for i in dev_ids)  # whole blocks of consecutive sentences
    assert normalised(records[twin]["text"]) == normalised(records[3]["text"])
    assert twin not in dev_ids and str(twin) in {r["id"] for r in train}
    assert sorted(r["id"] for r in msra_split(records, 0.1, "hash")[1]) != [str(i) for i in dev_ids]


@pytest.mark.parametrize(("text", "expected"), [
    ("以习近平新时代中国特色社会主义思想为指导，贯彻习近平法治思想", ["习近平新时代中国特色社会主义思想", "中国", "习近平法治思想"]),
    ("高举邓小平理论伟大旗帜", ["邓小平理论"]),
    ("坚持马克思列宁主义、毛泽东思想，发挥马克思主义的引领作用，马克思诞辰", ["马克思列宁主义", "毛泽东思想", "马克思主义"]),
    ("中方愿同美方加强中美关系，推进中国式现代化", ["中方", "美方", "中美", "中国"]),
    ("增进中国人民与各国人民的友谊", ["中国人民"]),
    ("推动构建人类命运共同体和中非命运共同体，坚持一国两制", ["推动构建人类命运共同体", "中非命运共同体", "一国两制"]),
    ("打造更加紧密的中俄能源合作伙伴关系，夯实中墨友好，斐方坚持一个中国原则", ["中俄", "中墨", "斐方", "一个中国"]),
    ("体现中华民族团结奋斗，构筑中国精神、中国价值、中国力量", ["中华", "中国", "中国", "中国"]),
    ("奥方珍视奥中关系，今年适逢中英建立大使级外交关系，中俄互为最大邻国，以中、英、法、俄等八个语种发布",
     ["奥方", "奥中", "中英", "中俄", "中、英、法、俄等八个语种"]),
    # the titles of speeches and media works hold nothing (rule 36); a periodical's and a document's do
    ("出版《在西部大开发座谈会上的讲话》单行本，总台播出纪录片《长江之歌》，在《求是》杂志发表，印发《成渝地区规划纲要》",
     ["《在西部大开发座谈会上的讲话》", "《长江之歌》"]),
])
def test_no_entity_spans_cover_doctrines_and_set_phrases(text: str, expected: list[str]) -> None:
    assert sorted(text[s:e] for s, e in no_entity.no_entity_spans(text)) == sorted(expected)


@pytest.mark.parametrize("text", ["中国人民银行发布数据", "中国人大代表团访问", "习近平总书记指出", "双方同意", "地方政府", "中亚地区",
                                  "中国同埃塞建交", "同古巴合作", "深化同印尼合作", "中华人民共和国", "奥运会开幕", "奥地利总统",
                                  "双方发表《关于推进两国合作的联合工作计划（2025－2029）》"])
def test_no_entity_spans_leave_names_alone(text: str) -> None:
    assert list(no_entity.no_entity_spans(text)) == []


def test_rule_stage_replaces_names_inside_its_spans_and_clears_no_entity_spans() -> None:
    """The lexicon's 国务院 inside 国务院常务会议 and inside a 《》 title gives way to the rule span; the
    lexicon's 习近平 inside a doctrine is dropped, and the doctrine is kept for governance_ner."""
    import spacy
    from spacy.tokens import Span
    nlp = spacy.blank("zh")
    stage = nlp.add_pipe("governance_rules")
    text = "李强主持召开国务院常务会议。印发《国务院关于加强社会治理的意见》。以习近平法治思想为指引"
    doc = nlp.make_doc(text)
    lexicon = [(text.index("国务院"), "国务院", "ORG"), (text.rindex("国务院"), "国务院", "ORG"),
               (text.index("习近平"), "习近平", "PERSON")]
    doc.ents = [Span(doc, c.start, c.end, label=label, span_id=surface)
                for start, surface, label in lexicon for c in [doc.char_span(start, start + len(surface))]]
    doc = stage(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("国务院常务会议", "EVENT"), ("《国务院关于加强社会治理的意见》", "POLICY")]
    assert [span.text for span in doc.spans[no_entity.NO_ENTITY]] == ["习近平法治思想"]


def test_a_name_holding_a_set_phrase_keeps_it_from_the_no_entity_spans() -> None:
    """The lexicon's 中非合作论坛北京峰会 holds the pair 中非: no no-entity span there (widened to the words
    around it, it would clear the name in governance_ner); the bare pair in 中俄关系 stays one."""
    import spacy
    from spacy.tokens import Span
    nlp = spacy.blank("zh")
    stage = nlp.add_pipe("governance_rules")
    text = "落实中非合作论坛北京峰会成果，发展中俄关系。"
    doc = nlp.make_doc(text)
    name = doc.char_span(text.index("中非"), text.index("成果"))
    doc.ents = [Span(doc, name.start, name.end, label="EVENT", span_id="中非合作论坛北京峰会")]
    doc = stage(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("中非合作论坛北京峰会", "EVENT")]
    assert [span.text for span in doc.spans[no_entity.NO_ENTITY]] == ["中俄"]


def test_rule_stage_keeps_a_lexicon_number_only_in_quotation_marks() -> None:
    """The lexicon's short form 110 (of 110社会应急联动机制) is a name in “110”, a count in 110例 and 110周年."""
    import spacy
    from spacy.tokens import Span
    nlp = spacy.blank("zh")
    stage = nlp.add_pipe("governance_rules")
    text = "建立“110”社会应急联动机制。新增110例，纪念建馆110周年，开通12345热线。"
    doc = nlp.make_doc(text)
    found = [(m.start(), m.end()) for m in re.finditer("110", text)] + [(text.index("12345热线"), text.index("线") + 1)]
    doc.ents = [Span(doc, c.start, c.end, label="PROGRAM", span_id="110社会应急联动机制")
                for start, end in found for c in [doc.char_span(start, end)]]
    doc = stage(doc)
    assert [(e.start_char, e.text) for e in doc.ents] == [(3, "110"), (text.index("12345热线"), "12345热线")]


def words_of(*words: str):
    """A segmenter that cuts a text into the given words, in order."""
    def words_fn(text: str):
        assert text == "".join(words)
        start = 0
        for word in words:
            yield start, start + len(word)
            start += len(word)
    return words_fn


def test_lexicon_names_stand_on_whole_words_longest_first_and_outside_no_entity_spans() -> None:
    words = ("修改", "公司法人", "登记", "，", "学习", "邓小平理论", "，", "实施", "乡村振兴战略", "，", "公司法", "施行", "。")
    text = "".join(words)
    names = rules.lexicon_names({"公司法": "POLICY", "邓小平": "PERSON", "乡村振兴": "PROGRAM", "乡村振兴战略": "PROGRAM"},
                                words_of(*words))
    assert [(text[s:e], label) for s, e, label in names(text)] == [("乡村振兴战略", "PROGRAM"), ("公司法", "POLICY")]


def test_silver_records_add_the_lexicon_names_outside_the_rule_spans(tmp_path: Path) -> None:
    import gzip

    from pipeline.ner.corpora import silver_records
    from pipeline.util import sha256_text

    paragraphs = ["会议审议《反电信网络诈骗法》草案，部署反电信网络诈骗法宣传。", "今天天气晴。", "推进乡村振兴战略。", "推进乡村振兴战略，落实到位。"]
    folder = tmp_path / "unlabelled" / "xinwenlianbo"
    folder.mkdir(parents=True)
    with gzip.open(folder / "2022.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "s1", "paragraphs": paragraphs}, ensure_ascii=False) + "\n")
    surfaces = {"反电信网络诈骗法": "POLICY", "乡村振兴战略": "PROGRAM"}

    def whole(text: str):  # every character a word: each lexicon name stands on word bounds
        return ((i, i + 1) for i in range(len(text)))

    records = list(silver_records(tmp_path, [2022], 10, {sha256_text(paragraphs[3])}, rules.lexicon_names(surfaces, whole)))
    got = {r["id"]: [(paragraphs[int(r["id"][-1])][s:e], label) for s, e, label in r["entities"]] for r in records}
    assert got == {"silver:xwlb:s1:p0": [("《反电信网络诈骗法》", "POLICY"), ("反电信网络诈骗法", "POLICY")],
                   "silver:xwlb:s1:p2": [("乡村振兴战略", "PROGRAM")]}
    assert all(r["partial"] for r in records)
    without = list(silver_records(tmp_path, [2022], 10, set()))
    assert [r["id"] for r in without] == ["silver:xwlb:s1:p0"] and len(without[0]["entities"]) == 1


@pytest.mark.parametrize(("name", "short"), [("盱眙县", "盱眙"), ("凉山彝族自治州", "凉山"), ("峨边彝族自治县", "峨边"),
                                             ("新疆维吾尔自治区", "新疆"), ("和田地区", "和田"), ("沛县", "沛县"), ("城区", "城区")])
def test_divisions_lose_their_division_word_unless_one_character_would_stay(name: str, short: str) -> None:
    from pipeline.ner.places import short_form
    assert short_form(name) == short
