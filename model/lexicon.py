"""Word lists shared by the stage-1 modules: speech cues, titles, roles, pronouns, organisation and
place words. Written for news English; none of it is tied to one dispute."""
from __future__ import annotations

import bisect
import re

# verbs and phrases that introduce or close somebody's words
CUE_VERBS = (
    "say says said saying tell tells told add adds added warn warns warned stress stresses stressed "
    "insist insists insisted note notes noted argue argues argued ask asks asked write writes wrote "
    "declare declares declared explain explains explained claim claims claimed reply replies replied "
    "tweet tweets tweeted post posts posted announce announces announced urge urges urged state states "
    "stated continue continues continued recall recalls recalled admit admits admitted acknowledge "
    "acknowledges acknowledged suggest suggests suggested predict predicts predicted vow vows vowed "
    "promise promises promised caution cautions cautioned complain complains complained remark remarks "
    "remarked observe observes observed respond responds responded counter counters countered "
    "insist insisted emphasise emphasises emphasised emphasize emphasizes emphasized repeat repeated "
    "reiterate reiterates reiterated demand demands demanded assert asserts asserted maintain maintains "
    "maintained concede concedes conceded confirm confirms confirmed deny denies denied describe "
    "described call calls called put puts recount recounts recounted joke joked quip quipped shout "
    "shouted sigh sighed laugh laughed recall mused muse muses whisper whispered scoff scoffed "
    "scoffs thunder thundered fume fumed charge charged contend contended contends declare write "
    "testify testified tell told inform informed assure assured reassure reassured pledge pledged "
    "add agreed agree agrees believe believes believed think thinks thought feel feels felt "
    "hint hinted conclude concluded indicate indicated report reported reads echo echoed boast boasts "
    "boasted grumble grumbled retort retorted snap snapped cry cries cried hail hails hailed accuse accuses "
    "accused chant chants chanted cite cites cited citing slam slams slammed blast blasts blasted dismiss "
    "dismisses dismissed condemn condemns condemned decry decries decried denounce denounces denounced"
).split()
CUE_PHRASES = ("according to", "told reporters", "in a statement", "in an interview", "quoted as saying",
               "went on", "put it", "wrote in")
CUE_SET = frozenset(CUE_VERBS)

# a sentence's final stop: "!", "?" or a full stop that does not end "Mr." or "Sen." or an initial ("U.S.", "J. Smith")
ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "Sen", "Rep", "Gov", "Gen", "Lt", "Col", "Capt", "Adm", "Prof", "St", "Rev",
                 "Jr", "Sr", "Sgt", "Maj", "Cmdr", "Cpl", "Supt")
SENTENCE_STOP = r"(?:[!?]|\." + "".join(rf"(?<!\b{a}\.)" for a in (*ABBREVIATIONS, "[A-Z]")) + ")"  # the
# look-behinds run only where a full stop matched
WORD_RE = re.compile(r"[A-Za-z]+")
PHRASE_RE = re.compile("|".join(re.escape(p) for p in CUE_PHRASES), re.I)


def find_cue(text: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """The first speech cue (a verb of CUE_VERBS or a phrase of CUE_PHRASES) in text[start:end]; a set
    lookup per word, much faster than one regex alternation over two hundred verbs."""
    end = len(text) if end is None else end
    p = PHRASE_RE.search(text, start, end)
    for m in WORD_RE.finditer(text, start, p.start() if p else end):
        if m.group().lower() in CUE_SET:
            return m.start(), m.end()
    return (p.start(), p.end()) if p else None


ODD_CASE_RE = re.compile("[\u0130\u0131\u017f\u212a]")  # İ ı ſ K: the only characters that re.I matches to
# ASCII letters, or whose lower case is ASCII or longer


def _occurrences(low: str, word: str) -> list[int]:
    out, i = [], low.find(word)
    while i >= 0:
        out.append(i)
        i = low.find(word, i + 1)
    return out


def _cue_words(text: str, low: str) -> list[tuple[int, int]]:
    """The spans of WORD_RE words of text that are cue verbs, as the word-by-word scan finds them, from
    str.find over the few cue verbs that the text holds (with the phrases, half the scan's time)."""
    out = []
    for w in CUE_SET.intersection(WORD_RE.findall(low)):
        n = len(w)
        for i in _occurrences(low, w):
            if (text[i:i + n].isascii() and not (i and text[i - 1].isascii() and text[i - 1].isalpha())
                    and not (text[i + n:i + n + 1].isascii() and text[i + n:i + n + 1].isalpha())):
                out.append((i, i + n))
    return sorted(out)


def _cue_phrases(low: str) -> list[tuple[int, int]]:
    """What PHRASE_RE.finditer finds (leftmost, not overlapping), from str.find on the lower-cased text."""
    found = sorted((i, i + len(p)) for p in CUE_PHRASES for i in _occurrences(low, p))
    out: list[tuple[int, int]] = []
    for s, e in found:
        if not out or s >= out[-1][1]:
            out.append((s, e))
    return out


class CueIndex:
    """Every speech cue of one text, found once, so that `first(start, end)` answers what
    find_cue(text, start, end) does (whole words only) by bisection: attribution asks it about many
    windows of the same article. `odd`: the text holds a character (ODD_CASE_RE) for which lower-casing
    and re.I disagree with the ASCII scan, so callers should not trust shortcuts based on the index."""

    def __init__(self, text: str):
        low = text.lower()
        self.odd = bool(ODD_CASE_RE.search(text))
        if not self.odd:  # each character lower-cases to one, ASCII only from ASCII
            self.words, self.phrases = _cue_words(text, low), _cue_phrases(low)
        else:
            self.words = [m.span() for m in WORD_RE.finditer(text) if m.group().lower() in CUE_SET]
            self.phrases = [m.span() for m in PHRASE_RE.finditer(text)]
        self._w = [s for s, _ in self.words]
        self._p = [s for s, _ in self.phrases]

    @staticmethod
    def _first(spans: list, starts: list[int], start: int, end: int) -> tuple[int, int] | None:
        i = bisect.bisect_left(starts, start)
        return spans[i] if i < len(spans) and spans[i][1] <= end else None

    def touches(self, start: int, end: int) -> bool:
        """Whether a cue overlaps text[start:end] (cues do not overlap each other: the latest one starting
        before end reaches furthest)."""
        i, k = bisect.bisect_left(self._w, end), bisect.bisect_left(self._p, end)
        return (i > 0 and self.words[i - 1][1] > start) or (k > 0 and self.phrases[k - 1][1] > start)

    def first(self, start: int, end: int) -> tuple[int, int] | None:
        """The first cue inside text[start:end]; a phrase wins over a word that starts with it."""
        w = self._first(self.words, self._w, start, end)
        p = self._first(self.phrases, self._p, start, end)
        if w and p:
            return w if w[0] < p[0] else p
        return w or p


def has_cue(text: str) -> bool:
    return find_cue(text) is not None


VERBISH_RE = re.compile(r"\b(is|are|was|were|will|would|can|cannot|can't|must|should|have|has|had|do|does|"
                        r"did|not|be|been|we|i|they|it)\b")

# words before a span in marks that make it a name for something, not somebody's words
NAMING_WORDS = {"so-called", "called", "dubbed", "named", "titled", "entitled", "term", "termed", "word",
                "phrase", "slogan", "label", "labelled", "labeled", "nicknamed", "known", "as", "brand",
                "branded", "operation", "programme", "program", "doctrine", "book", "film", "song", "series"}
# nouns before a title in marks: CNN's "State of the Union", the documentary "13th"
WORK_WORDS = {"show", "episode", "program", "programme", "documentary", "film", "movie", "book", "song",
              "album", "commentary", "column", "article", "op-ed", "editorial", "series", "anthem", "newspaper",
              "magazine", "headline", "titled", "entitled", "novel", "play", "poem", "report", "essay", "blog",
              "podcast", "broadcast", "hashtag", "campaign", "motto", "treaty", "plan", "exercise", "exercises",
              "operation", "doctrine", "initiative", "strategy", "act", "bill", "resolution", "declaration"}
SMALL_WORDS = {"a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "with", "by", "from", "de", "la"}

PRONOUNS = {"he": "m", "she": "f", "they": "p", "we": "p", "i": "s", "it": "o", "who": "r"}
TITLES = {
    "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "prof", "prof.", "sen", "sen.", "rep", "rep.", "gov",
    "gov.", "gen", "gen.", "adm", "adm.", "col", "col.", "lt", "lt.", "capt", "capt.", "sir", "dame", "lord",
    "president", "vice", "prime", "minister", "deputy", "foreign", "defence", "defense", "chief", "cabinet",
    "secretary", "spokesman", "spokeswoman", "spokesperson", "ambassador", "envoy", "governor", "mayor",
    "senator", "representative", "general", "admiral", "colonel", "captain", "commander", "professor",
    "chairman", "chairwoman", "chair", "director", "premier", "chancellor", "king", "queen", "prince",
    "princess", "sheikh", "emir", "judge", "justice", "speaker", "lawmaker", "mp", "state", "interior",
    "trade", "economy", "fisheries", "maritime", "national", "security", "adviser", "advisor", "first",
    "acting", "former", "senior", "junior", "press", "attorney", "leader", "opposition", "coast", "guard",
    "rear", "lieutenant", "sergeant", "major", "councillor", "councilor", "assemblyman", "assemblywoman",
    "congressman", "congresswoman", "rev", "rev.", "father", "bishop", "head", "candidate", "nominee",
    "democratic", "republican", "frontrunner", "front-runner", "executive", "officer", "analyst", "rank", "class",
    "student", "fisherman", "veteran", "activist", "historian", "economist", "researcher",
    "commodore", "brigadier", "corporal", "marshal", "superintendent", "constable", "sgt", "sgt.", "maj", "maj.",
    "cmdr", "cmdr.", "cpl", "cpl.", "supt", "supt.", "nurse", "rabbi", "pastor", "reverend", "archbishop",
}
FEMALE_TITLES = {"mrs", "mrs.", "ms", "ms.", "spokeswoman", "chairwoman", "congresswoman", "assemblywoman",
                 "queen", "princess", "dame", "madam", "mother", "sister", "businesswoman"}
MALE_TITLES = {"mr", "mr.", "spokesman", "chairman", "congressman", "assemblyman", "king", "prince", "sir",
               "lord", "father", "sheikh", "emir", "brother", "businessman", "fisherman"}
# head nouns of descriptions that can speak ("the minister", "Russia's top diplomat", "the ministry")
ROLE_NOUNS = {
    "minister", "ministers", "spokesman", "spokeswoman", "spokesperson", "official", "officials", "diplomat",
    "diplomats", "president", "premier", "senator", "mayor", "governor", "analyst", "analysts", "professor",
    "commander", "admiral", "general", "ambassador", "envoy", "secretary", "lawmaker", "lawmakers", "mp",
    "chairman", "chairwoman", "leader", "leaders", "fisherman", "fishermen", "resident", "residents",
    "veteran", "expert", "experts", "scholar", "historian", "researcher", "activist", "activists",
    "candidate", "nominee", "director", "chief", "head", "officer", "captain", "colonel", "campaigner",
    "source", "sources", "aide", "aides", "adviser", "advisor", "negotiator", "mediator",
    "congressman", "congresswoman", "politician", "legislator", "representative", "student", "teacher",
    "farmer", "owner", "worker", "woman", "man", "islander", "islanders", "villager", "protester",
    "protesters", "demonstrators", "supporter", "supporters", "critic", "critics", "surrogate", "surrogates",
    "questioner", "voter", "voters", "observer", "observers", "commentator", "commentators", "witness",
    "witnesses", "neighbour", "neighbours", "neighbor", "neighbors", "colleague", "colleagues", "organizers",
    "organisers", "participant", "participants", "employee", "employees", "staffer", "staffers", "advocate",
    "advocates", "opponent", "opponents", "friend", "friends", "relative", "relatives", "journalist",
    "reporters", "trader", "traders", "soldiers", "herder", "vendor", "presenter", "wife", "husband",
    "daughter", "brother", "sister", "cousin", "niece", "nephew", "uncle", "aunt",
    "grandmother", "grandfather", "economist", "strategist", "pollster", "operative", "manager",
    "chancellor", "king", "queen", "judge", "lawyer", "attorney", "prosecutor", "ministry", "government",
    "foreign ministry", "kremlin", "embassy", "agency", "campaign", "committee", "council",
    "administration", "department", "office", "party", "spokespeople", "deputy", "businessman", "mother",
    "father", "writer", "author", "columnist", "editor", "reporter", "correspondent", "pilot", "sailor",
    "soldier", "guard", "coastguard", "navy", "army", "military", "crew", "skipper", "organiser", "organizer",
    "delegate", "delegates", "delegation", "reader", "readers", "report", "commentary", "statement", "secretariat",
    "authorities", "directorate", "force", "service", "observatory", "coalition", "association", "institute",
    "spokesmen", "viewer", "listener", "caller", "commenter", "blogger", "user",
    "airline", "carrier", "firm", "operator", "company", "tribunal", "pensioner", "inspector", "mep",
    "vice-chair", "vice-chairman", "vice-president", "lama", "monk", "priest", "imam", "councillor", "shopkeeper",
}
ORG_NOUNS = {"directorate", "service", "secretariat", "authority", "authorities", "delegation", "taskforce",
             "coalition", "organisation", "organization", "observatory", "ministry", "government", "kremlin",
             "embassy", "agency", "campaign", "committee", "council",
             "administration", "department", "office", "party", "navy", "army", "military", "coastguard",
             "guard", "commission", "parliament", "assembly", "union", "association", "institute", "foundation",
             "university", "center", "centre", "court", "bank", "corporation", "company", "group", "forces",
             "police", "bureau", "house", "senate", "congress", "diet", "duma", "cabinet",
             "mission", "front", "movement", "league", "network", "times", "post", "news",
             "press", "reuters", "tass", "xinhua", "kyodo", "ria", "interfax", "associated", "journal",
             "nations", "nato", "opec", "asean", "icj", "tribunal", "society", "alliance", "federation"}
PLACE_PREFIXES = {"ciudad", "san", "santa", "santo", "são", "port", "fort", "lake", "mount", "cape", "saint", "st",
                  "upper", "lower", "puerto", "porto", "bahía", "isla", "islas", "villa", "nueva", "nuevo", "el", "la",
                  "los", "las", "al", "gulf", "bay", "strait"}
MEDIA_WORDS = {"times", "post", "news", "press", "reuters", "tass", "xinhua", "kyodo", "ria", "interfax", "associated",
               "journal", "house", "front", "line", "diet"}
NON_NAME_CAPS = {
    "the", "a", "an", "but", "and", "or", "if", "in", "on", "at", "as", "for", "to", "of", "by", "with",
    "from", "after", "before", "when", "while", "since", "this", "that", "these", "those", "it", "its",
    "his", "her", "their", "our", "we", "he", "she", "they", "i", "you", "there", "here", "what", "who",
    "why", "how", "where", "which", "no", "not", "yes", "so", "yet", "still", "also", "then", "now",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "read", "more", "skip", "image", "photo", "photograph", "caption", "file", "editor", "note", "update",
    "updated", "related", "share", "advertisement", "sign", "subscribe", "follow", "watch", "listen",
    "breaking", "exclusive", "opinion", "analysis", "live", "one", "two", "three", "many", "some", "all",
    "every", "each", "any", "most", "both", "such", "last", "next", "first", "new", "other", "another",
    "asked", "speaking", "according", "despite", "although", "however", "meanwhile", "earlier", "later",
    "today", "yesterday", "tomorrow", "mr", "mrs", "ms", "dr", "do", "does", "did", "is", "are", "was",
    "were", "will", "would", "can", "could", "should", "must", "might", "my", "your", "let",
    "even", "just", "only", "once", "again", "over", "under", "about", "between", "during", "without",
    "within", "into", "through", "because", "though", "until", "unless", "whether", "than", "like",
}
PLACES = {
    # countries, capitals and regions that stand for governments ("Tokyo said") or are never speakers
    "russia", "japan", "china", "taiwan", "ukraine", "india", "pakistan", "korea", "south", "north",
    "argentina", "britain", "united", "kingdom", "states", "spain", "morocco", "algeria", "venezuela",
    "guyana", "mauritius", "iran", "emirates", "uae", "egypt", "sudan", "philippines", "vietnam",
    "malaysia", "brunei", "indonesia", "france", "germany", "america", "europe", "asia", "africa",
    "moscow", "tokyo", "beijing", "taipei", "kyiv", "kiev", "delhi", "new", "islamabad", "seoul",
    "buenos", "aires", "london", "madrid", "rabat", "caracas", "georgetown", "port", "louis", "tehran",
    "abu", "dhabi", "cairo", "khartoum", "manila", "hanoi", "washington", "brussels", "geneva", "hague",
    "paris", "berlin", "sakhalin", "hokkaido", "nemuro", "kurils", "kuril", "islands", "island", "sea",
    "crimea", "sevastopol", "falklands", "falkland", "malvinas", "stanley", "kashmir", "jammu", "srinagar",
    "dokdo", "takeshima", "gibraltar", "sahara", "western", "laayoune", "essequibo", "chagos", "diego",
    "garcia", "arunachal", "pradesh", "tawang", "tunb", "tunbs", "musa", "halaib", "hala'ib", "triangle",
    "senkaku", "senkakus", "diaoyu", "spratly", "spratlys", "paracel", "paracels", "scarborough", "shoal",
    "iturup", "kunashir", "shikotan", "habomai", "etorofu", "kunashiri", "okinawa", "ladakh", "tibet",
    "soviet", "union", "american", "russian", "japanese", "chinese", "ukrainian", "indian", "pakistani",
    "korean", "british", "argentine", "argentinian", "spanish", "moroccan", "venezuelan", "guyanese",
    "mauritian", "iranian", "emirati", "egyptian", "sudanese", "filipino", "vietnamese", "european",
    "eastern", "northern", "southern", "pacific", "atlantic", "ocean", "iowa", "ohio", "texas",
    "florida", "california", "york", "virginia", "carolina", "hampshire", "nevada", "pennsylvania",
    "michigan", "wisconsin", "colorado", "arizona", "georgia", "syria", "iraq", "israel", "mexico",
    "canada", "obamacare", "isis", "white", "capitol", "hill", "wall", "street", "twitter", "facebook",
    "cnn", "fox", "msnbc", "google", "god", "christmas", "easter", "internet", "world", "war", "ii",
    # the world's states, demonyms and the places of the disputes the product covers (facts, not names)
    "afghanistan", "albania", "andorra", "angola", "armenia", "australia", "austria", "azerbaijan", "bahamas",
    "bahrain", "bangladesh", "barbados", "belarus", "belgium", "belize", "benin", "bhutan", "bolivia", "bosnia",
    "botswana", "brazil", "bulgaria", "burkina", "burundi", "cambodia", "cameroon", "chile", "colombia",
    "comoros", "congo", "croatia", "cuba", "cyprus", "czechia", "denmark", "djibouti", "dominica", "ecuador",
    "eritrea", "estonia", "eswatini", "ethiopia", "fiji", "finland", "gabon", "gambia", "ghana", "greece",
    "grenada", "guatemala", "guinea", "haiti", "honduras", "hungary", "iceland", "ireland", "italy",
    "jamaica", "kazakhstan", "kenya", "kiribati", "kosovo", "kuwait", "kyrgyzstan", "laos", "latvia", "lebanon",
    "lesotho", "liberia", "libya", "liechtenstein", "lithuania", "luxembourg", "madagascar", "malawi",
    "maldives", "mali", "malta", "mauritania", "micronesia", "moldova", "monaco", "mongolia", "montenegro",
    "mozambique", "myanmar", "burma", "namibia", "nauru", "nepal", "netherlands", "nicaragua", "niger",
    "nigeria", "norway", "oman", "palau", "palestine", "panama", "paraguay", "peru", "poland", "portugal",
    "qatar", "romania", "rwanda", "samoa", "senegal", "serbia", "seychelles", "singapore", "slovakia",
    "slovenia", "somalia", "suriname", "sweden", "switzerland", "tajikistan", "tanzania", "thailand", "togo",
    "tonga", "tunisia", "turkey", "türkiye", "turkmenistan", "tuvalu", "uganda", "uruguay", "uzbekistan",
    "vanuatu", "yemen", "zambia", "zimbabwe", "greenland", "macau", "abkhazia", "transnistria",
    "afghan", "albanian", "armenian", "australian", "austrian", "azerbaijani", "bangladeshi", "belarusian",
    "belgian", "belizean", "bolivian", "bosnian", "brazilian", "bulgarian", "burmese", "cambodian",
    "cameroonian", "canadian", "chilean", "colombian", "comorian", "congolese", "croatian", "cuban", "cypriot",
    "czech", "danish", "dutch", "ecuadorian", "eritrean", "ethiopian", "finnish", "georgian", "ghanaian",
    "greek", "guatemalan", "haitian", "honduran", "hungarian", "icelandic", "indonesian", "iraqi", "irish",
    "israeli", "italian", "jamaican", "jordanian", "kazakh", "kenyan", "kosovar", "kurdish", "kuwaiti",
    "lebanese", "libyan", "lithuanian", "malagasy", "malaysian", "maltese", "mexican", "moldovan", "mongolian",
    "nepali", "nepalese", "nicaraguan", "nigerian", "norwegian", "omani", "palestinian", "panamanian",
    "paraguayan", "peruvian", "polish", "portuguese", "qatari", "romanian", "rwandan", "saudi", "senegalese",
    "serb", "serbian", "singaporean", "slovak", "somali", "swedish", "swiss", "syrian", "taiwanese",
    "tanzanian", "thai", "tunisian", "turkish", "ugandan", "uruguayan", "uzbek", "yemeni", "abkhaz",
    "ossetian", "khmer", "sahrawi", "emiratis", "druze",
    "ceuta", "melilla", "sebta", "nador", "mayotte", "anjouan", "mamoudzou", "moroni", "golan", "shebaa",
    "ghajar", "hermon", "sabah", "borneo", "sulu", "kota", "kinabalu", "abyei", "juba", "kordofan", "aksai",
    "xinjiang", "galwan", "kalapani", "lipulekh", "limpiyadhura", "kathmandu", "tromelin", "preah", "vihear",
    "bangkok", "phnom", "penh", "nicosia", "famagusta", "varosha", "sukhumi", "tbilisi", "tiraspol",
    "chisinau", "dniester", "gali", "damascus", "beirut", "jerusalem", "ankara", "istanbul", "athens",
    "nairobi", "addis", "ababa", "mogadishu", "dhaka", "kabul", "baghdad", "riyadh", "doha", "muscat", "amman",
    "baku", "yerevan", "minsk", "warsaw", "vienna", "rome", "lisbon", "dublin", "oslo", "stockholm",
    "helsinki", "copenhagen", "amsterdam", "bern", "ottawa", "canberra", "jakarta",
    "kuala", "lumpur", "brasília", "brasilia", "bogotá", "bogota", "quito", "montevideo", "asunción",
    "havana", "managua", "tegucigalpa", "belmopan", "pretoria", "nouakchott", "algiers", "tunis", "tripoli",
    "dakar", "abuja", "accra", "kampala", "kigali", "harare", "lusaka", "maputo", "antananarivo", "mahé",
    "pyongyang", "ulaanbaatar", "astana", "tashkent", "bishkek", "dushanbe", "ashgabat",
}
# place words that are also people's names ("Musa", "Garcia", "Louis", "Virginia"): they make a name a place
# only when every word of it is a place word, or within one of PLACE_PHRASES (names such as Jordan or Hong are
# no place words at all)
NAME_LIKE_PLACES = {
    "abu", "musa", "port", "louis", "diego", "garcia", "stanley", "washington", "virginia", "carolina", "israel",
    "white", "hill", "fox", "gali", "kota", "hermon", "sulu", "penh", "addis", "ababa", "dhabi", "aires", "buenos",
    "cuba", "cuban",
}
# places whose words are all name-like or no place words ("Hong Kong"); a phrase with a plain place word in it
# ("New York", "Saudi Arabia") needs no entry
PLACE_PHRASES = ("white house", "hong kong", "sri lanka", "costa rica", "el salvador", "abu dhabi", "abu musa",
                 "diego garcia", "port louis", "buenos aires", "addis ababa", "washington dc")
# words that make a capitalised sequence a thing, an event or a place, never a speaker
NON_PERSON = {
    "war", "treaty", "declaration", "day", "strait", "act", "law", "charter", "convention", "agreement", "accord",
    "games", "olympics", "cup", "plan", "zone", "line", "river", "mountains", "mount", "lake", "bay", "gulf",
    "peninsula", "archipelago", "reef", "shoal", "rocks", "street", "square", "avenue", "road", "airport",
    "harbour", "harbor", "station", "stadium", "museum", "hall", "palace", "temple", "church", "mosque",
    "summit", "conference", "resolution", "article", "constitution", "amendment", "doctrine",
    "operation", "exercise", "award", "prize", "studies", "affairs", "relations", "rights", "policy", "island",
    "islands", "sea", "ocean", "province", "prefecture", "region", "county", "district", "city",
    "village", "town", "valley", "desert", "coast", "territory", "territories", "republic", "kingdom", "empire",
    "dynasty", "era", "week", "month", "year", "season", "festival", "hotel", "bridge", "canal", "cape", "point",
    "maru", "express", "pass", "airlines", "airways", "times", "herald", "gazette", "tribune",
    "statute", "initiative", "programme", "program", "fund", "project", "university", "school", "talks",
    "discussions", "negotiations",
}
