"""Reference lists the synthetic people and places are drawn from.

Surname weights follow the published frequency ranking of Chinese surnames (percent of the
population, 2020 census order); cities carry their real 6-digit administrative division code (the
first six characters of a resident id issued there) and the 4-digit prefix of their postal codes.
Every character used is in GBK, so any file may be exported GBK-encoded.
"""
from __future__ import annotations

# (surname, pinyin, percent of population)
SURNAMES = [
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.4), ("陈", "chen", 4.5),
    ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.0), ("吴", "wu", 2.0), ("周", "zhou", 1.9),
    ("徐", "xu", 1.6), ("孙", "sun", 1.5), ("马", "ma", 1.4), ("朱", "zhu", 1.3), ("胡", "hu", 1.3),
    ("郭", "guo", 1.2), ("何", "he", 1.2), ("林", "lin", 1.2), ("高", "gao", 1.1), ("罗", "luo", 1.0),
    ("郑", "zheng", 0.9), ("梁", "liang", 0.9), ("谢", "xie", 0.8), ("宋", "song", 0.8), ("唐", "tang", 0.8),
    ("许", "xu", 0.7), ("韩", "han", 0.7), ("邓", "deng", 0.7), ("冯", "feng", 0.7), ("曹", "cao", 0.6),
    ("彭", "peng", 0.6), ("曾", "zeng", 0.6), ("肖", "xiao", 0.6), ("田", "tian", 0.5), ("董", "dong", 0.5),
    ("潘", "pan", 0.5), ("袁", "yuan", 0.5), ("蔡", "cai", 0.5), ("蒋", "jiang", 0.5), ("余", "yu", 0.5),
    ("于", "yu", 0.5), ("杜", "du", 0.4), ("叶", "ye", 0.4), ("程", "cheng", 0.4), ("魏", "wei", 0.4),
    ("苏", "su", 0.4), ("吕", "lv", 0.4), ("丁", "ding", 0.4), ("任", "ren", 0.4), ("卢", "lu", 0.4),
    ("姚", "yao", 0.4), ("沈", "shen", 0.4), ("钟", "zhong", 0.4), ("姜", "jiang", 0.3), ("崔", "cui", 0.3),
    ("谭", "tan", 0.3), ("陆", "lu", 0.3), ("范", "fan", 0.3), ("汪", "wang", 0.3), ("廖", "liao", 0.3),
    ("石", "shi", 0.3), ("金", "jin", 0.3), ("韦", "wei", 0.3), ("贾", "jia", 0.3), ("夏", "xia", 0.3),
    ("付", "fu", 0.3), ("方", "fang", 0.3), ("邹", "zou", 0.3), ("熊", "xiong", 0.2), ("白", "bai", 0.2),
    ("孟", "meng", 0.2), ("秦", "qin", 0.2), ("邱", "qiu", 0.2), ("侯", "hou", 0.2), ("江", "jiang", 0.2),
    ("尹", "yin", 0.2), ("薛", "xue", 0.2), ("段", "duan", 0.2), ("雷", "lei", 0.2), ("龙", "long", 0.2),
    ("黎", "li", 0.2), ("史", "shi", 0.2), ("陶", "tao", 0.2), ("贺", "he", 0.2), ("毛", "mao", 0.2),
    ("郝", "hao", 0.2), ("顾", "gu", 0.2), ("龚", "gong", 0.2), ("邵", "shao", 0.2), ("钱", "qian", 0.2),
    ("欧阳", "ouyang", 0.05), ("司马", "sima", 0.01),
]

# Characters common in given names, with pinyin (a given name is one or two of them).
GIVEN_CHARACTERS = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀", "xiu"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"),
    ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"),
    ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("文", "wen"), ("玉", "yu"), ("建", "jian"), ("国", "guo"),
    ("红", "hong"), ("志", "zhi"), ("海", "hai"), ("婷", "ting"), ("雪", "xue"), ("鹏", "peng"), ("浩", "hao"),
    ("宇", "yu"), ("欣", "xin"), ("晨", "chen"), ("佳", "jia"), ("思", "si"), ("子", "zi"), ("涵", "han"),
    ("梓", "zi"), ("轩", "xuan"), ("俊", "jun"), ("博", "bo"), ("雨", "yu"), ("琳", "lin"), ("倩", "qian"),
    ("晓", "xiao"), ("辉", "hui"), ("兰", "lan"), ("凤", "feng"), ("云", "yun"), ("丹", "dan"), ("斌", "bin"),
    ("飞", "fei"), ("鑫", "xin"), ("瑞", "rui"), ("慧", "hui"), ("亮", "liang"), ("成", "cheng"), ("林", "lin"),
    ("春", "chun"), ("梅", "mei"), ("新", "xin"), ("荣", "rong"), ("波", "bo"), ("嘉", "jia"), ("怡", "yi"),
]

ENGLISH_FIRST_NAMES = [
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Susan", "Richard", "Jessica", "Thomas", "Sarah", "Daniel", "Karen", "Matthew", "Emily",
    "Andrew", "Olivia", "Oliver", "Sophie", "Ethan", "Chloe", "Ryan", "Grace", "Kevin", "Hannah",
]
ENGLISH_LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Clark",
    "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
    "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Evans", "Turner", "Collins", "Parker",
]

# (city, district, province or municipality, admin division code of the district, postal prefix, weight)
CN_CITIES = [
    ("北京市", "朝阳区", "北京市", 110105, "1000", 6), ("北京市", "海淀区", "北京市", 110108, "1000", 5),
    ("上海市", "浦东新区", "上海市", 310115, "2001", 6), ("上海市", "黄浦区", "上海市", 310101, "2000", 3),
    ("广州市", "天河区", "广东省", 440106, "5106", 5), ("深圳市", "南山区", "广东省", 440305, "5180", 5),
    ("东莞市", "东莞市", "广东省", 441900, "5230", 3), ("佛山市", "禅城区", "广东省", 440604, "5280", 3),
    ("杭州市", "西湖区", "浙江省", 330106, "3100", 4), ("宁波市", "海曙区", "浙江省", 330203, "3150", 2),
    ("温州市", "鹿城区", "浙江省", 330302, "3250", 2), ("南京市", "玄武区", "江苏省", 320102, "2100", 3),
    ("苏州市", "姑苏区", "江苏省", 320508, "2150", 3), ("无锡市", "梁溪区", "江苏省", 320213, "2140", 2),
    ("成都市", "武侯区", "四川省", 510107, "6100", 5), ("重庆市", "渝中区", "重庆市", 500103, "4000", 5),
    ("武汉市", "江汉区", "湖北省", 420103, "4300", 4), ("西安市", "雁塔区", "陕西省", 610113, "7100", 4),
    ("天津市", "和平区", "天津市", 120101, "3000", 3), ("郑州市", "金水区", "河南省", 410105, "4500", 4),
    ("长沙市", "岳麓区", "湖南省", 430104, "4100", 3), ("沈阳市", "和平区", "辽宁省", 210102, "1100", 3),
    ("大连市", "中山区", "辽宁省", 210202, "1160", 2), ("青岛市", "市南区", "山东省", 370202, "2660", 3),
    ("济南市", "历下区", "山东省", 370102, "2500", 3), ("哈尔滨市", "南岗区", "黑龙江省", 230103, "1500", 3),
    ("合肥市", "蜀山区", "安徽省", 340104, "2300", 3), ("福州市", "鼓楼区", "福建省", 350102, "3500", 2),
    ("厦门市", "思明区", "福建省", 350203, "3610", 2), ("昆明市", "五华区", "云南省", 530102, "6500", 2),
    ("南宁市", "青秀区", "广西壮族自治区", 450103, "5300", 2), ("石家庄市", "长安区", "河北省", 130102, "0500", 3),
    ("太原市", "小店区", "山西省", 140105, "0300", 2), ("南昌市", "东湖区", "江西省", 360102, "3300", 2),
    ("贵阳市", "南明区", "贵州省", 520102, "5500", 2), ("兰州市", "城关区", "甘肃省", 620102, "7300", 1),
]
CN_ROADS = [
    "中山路", "人民路", "解放路", "建设路", "和平路", "新华路", "文化路", "胜利路", "东风路", "长江路",
    "黄河路", "青年路", "朝阳路", "光明路", "幸福路", "南京路", "北京路", "工业路", "学院路", "滨江路",
    "人民大道", "世纪大道", "科技园路", "花园街", "府前街",
]
CN_MOBILE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "176", "177", "178", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "191", "198", "199",
]
CN_EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com", "outlook.com"]
EN_EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com"]


# Customers living abroad: country, calling code, IANA zone, share among foreign customers,
# mobile number (first digits, remaining digit count), address parts, postal code pattern
# ("#" = a digit, "@" = a capital letter, "" = the country has no postal codes).
FOREIGN = [
    dict(country="HK", calling="852", timezone="Asia/Hong_Kong", weight=5, mobile=(("5", "6", "9"), 7),
         streets=["Nathan Road", "Hennessy Road", "Queen's Road Central", "Sha Tin Centre Street"],
         line2="Flat {n}{x}, {f}/F", city="Hong Kong",
         regions=["Kowloon", "Hong Kong Island", "New Territories"], postal=""),
    dict(country="SG", calling="65", timezone="Asia/Singapore", weight=3, mobile=(("8", "9"), 7),
         streets=["Ang Mo Kio Ave 3", "Tampines St 21", "Orchard Road", "Jurong West St 52"],
         line2="#{f}-{n}", city="Singapore", regions=["Central Region", "East Region", "West Region"],
         postal="######"),
    dict(country="GB", calling="44", timezone="Europe/London", weight=2, mobile=(("7",), 9),
         streets=["Baker Street", "King's Road", "Oxford Road", "Station Road"],
         line2="Flat {n}", city="London", regions=["England"], postal="@@# #@@"),
    dict(country="US", calling="1", timezone="America/New_York", weight=2, mobile=(("212", "646", "718", "917"), 7),
         streets=["5th Avenue", "Broadway", "Lexington Avenue", "Main Street"],
         line2="Apt {f}{x}", city="New York", regions=["NY"], postal="10###"),
]
