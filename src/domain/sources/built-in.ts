/**
 * The 19 canonical sources of spec/layouts.md (標準連携レイアウト v1) in the
 * declared form a municipality uses for its own sources (declaration.ts,
 * docs/sources-and-items.md): one mechanism, not two. `mimamori source show
 * jumin` prints any of them as YAML — a starting point for a declaration of
 * one's own. Which column identifies the person, the event date of each
 * source (rows dated after a run's date are ignored) and the mother–child
 * columns of 妊婦/産婦健診 are stated here, not in code.
 */
import type { SourceDeclaration } from "./declaration.ts";

export const BUILT_IN_DECLARATIONS: readonly SourceDeclaration[] = [
  {
    id: "jumin",
    name: "住民基本台帳",
    identify: {
      residentNo: "宛名番号",
      name: "氏名",
      birthDate: "生年月日",
    },
    eventDate: null,
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
        required: true,
      },
      {
        name: "世帯番号",
        type: "household_no",
        required: true,
      },
      {
        name: "氏名",
        type: "name",
        required: true,
      },
      {
        name: "氏名カナ",
        type: "kana",
      },
      {
        name: "生年月日",
        type: "date",
        required: true,
      },
      {
        name: "性別",
        type: "sex",
        required: true,
      },
      {
        name: "続柄",
        type: "code",
        values: ["世帯主", "妻", "夫", "子", "父", "母", "祖父", "祖母", "その他"],
        aliases: {
          本人: "世帯主",
          未届の妻: "妻",
          未届の夫: "夫",
          長男: "子",
          長女: "子",
          二男: "子",
          次男: "子",
          二女: "子",
          次女: "子",
          三男: "子",
          三女: "子",
          四男: "子",
          四女: "子",
          五男: "子",
          五女: "子",
          養子: "子",
          養女: "子",
          孫: "その他",
          兄: "その他",
          姉: "その他",
          弟: "その他",
          妹: "その他",
          叔父: "その他",
          叔母: "その他",
          伯父: "その他",
          伯母: "その他",
          甥: "その他",
          姪: "その他",
          子の妻: "その他",
          子の夫: "その他",
          同居人: "その他",
          縁故者: "その他",
        },
      },
      {
        name: "住所",
        type: "address",
      },
      {
        name: "住定日",
        type: "date",
      },
      {
        name: "消除日",
        type: "date",
      },
      {
        name: "国籍",
        type: "text",
        blankMeans: "日本",
      },
      // A foreign resident's registered 通称 (住民基本台帳法施行令 第30条の26) and its reading:
      // departments often write it instead of the registered name, so 名寄せ compares it too.
      {
        name: "通称",
        type: "name",
      },
      {
        name: "通称カナ",
        type: "kana",
      },
    ],
    periods: [["住定日", "消除日"]],
  },
  {
    id: "gakureibo",
    name: "学齢簿",
    identify: {
      residentNo: "宛名番号",
      name: "氏名",
      birthDate: "生年月日",
    },
    eventDate: null,
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
        required: true,
      },
      {
        name: "氏名",
        type: "name",
      },
      {
        name: "氏名カナ",
        type: "kana",
      },
      {
        name: "生年月日",
        type: "date",
      },
      {
        name: "性別",
        type: "sex",
      },
      {
        name: "学校名",
        type: "school",
        required: true,
      },
      {
        name: "学年",
        type: "grade",
        required: true,
      },
      {
        name: "特別支援学級",
        type: "bool",
      },
    ],
  },
  {
    id: "shukketsu",
    name: "出欠の記録",
    identify: {
      name: "氏名",
      birthDate: "生年月日",
    },
    eventDate: "集計開始日",
    columns: [
      {
        name: "学校名",
        type: "school",
        required: true,
      },
      {
        name: "学年",
        type: "grade",
      },
      {
        name: "組",
        type: "text",
      },
      {
        name: "氏名",
        type: "name",
        required: true,
      },
      {
        name: "氏名カナ",
        type: "kana",
      },
      {
        name: "生年月日",
        type: "date",
        required: true,
      },
      {
        name: "性別",
        type: "sex",
      },
      {
        name: "集計開始日",
        type: "date",
        required: true,
      },
      {
        name: "集計終了日",
        type: "date",
        required: true,
      },
      {
        name: "欠席日数",
        type: "number",
        integer: true,
        min: 0,
        max: 366,
        units: ["日"],
        required: true,
      },
      {
        name: "遅刻日数",
        type: "number",
        integer: true,
        min: 0,
        max: 366,
        units: ["日", "回"],
      },
      {
        name: "出席停止忌引等日数",
        type: "number",
        integer: true,
        min: 0,
        max: 366,
        units: ["日"],
      },
    ],
    periods: [["集計開始日", "集計終了日"]],
  },
  {
    id: "gakko_kenshin",
    name: "児童生徒健康診断",
    identify: {
      name: "氏名",
      birthDate: "生年月日",
    },
    eventDate: "検査日",
    columns: [
      {
        name: "学校名",
        type: "school",
      },
      {
        name: "学年",
        type: "grade",
      },
      {
        name: "氏名",
        type: "name",
        required: true,
      },
      {
        name: "氏名カナ",
        type: "kana",
      },
      {
        name: "生年月日",
        type: "date",
        required: true,
      },
      {
        name: "性別",
        type: "sex",
      },
      {
        name: "検査日",
        type: "date",
        required: true,
      },
      {
        name: "身長",
        type: "number",
        integer: false,
        min: 0,
        max: 250,
        units: ["cm"],
      },
      {
        name: "体重",
        type: "number",
        integer: false,
        min: 0,
        max: 300,
        units: ["kg"],
      },
      {
        name: "要精密検査",
        type: "bool",
      },
    ],
  },
  {
    id: "kokoro_check",
    name: "心の健康チェック",
    identify: {
      name: "氏名",
      birthDate: "生年月日",
    },
    eventDate: "実施日",
    columns: [
      {
        name: "学校名",
        type: "school",
      },
      {
        name: "氏名",
        type: "name",
        required: true,
      },
      {
        name: "氏名カナ",
        type: "kana",
      },
      {
        name: "生年月日",
        type: "date",
        required: true,
      },
      {
        name: "性別",
        type: "sex",
      },
      {
        name: "実施日",
        type: "date",
        required: true,
      },
      {
        name: "判定結果",
        type: "code",
        values: ["要支援", "要観察", "問題なし"],
        aliases: {
          異常なし: "問題なし",
          なし: "問題なし",
        },
        required: true,
      },
      {
        name: "希死念慮",
        type: "bool",
      },
    ],
  },
  {
    id: "yotaikyo",
    name: "要対協ケース進行管理台帳",
    identify: {
      residentNo: "宛名番号",
      name: "氏名",
      birthDate: "生年月日",
    },
    eventDate: "登録日",
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
      },
      {
        name: "氏名",
        type: "name",
        required: true,
      },
      {
        name: "氏名カナ",
        type: "kana",
      },
      {
        name: "生年月日",
        type: "date",
        required: true,
      },
      {
        name: "性別",
        type: "sex",
      },
      {
        name: "登録日",
        type: "date",
        required: true,
      },
      {
        name: "終結日",
        type: "date",
      },
      {
        name: "登録種別",
        type: "code",
        values: ["虐待", "養護", "非行", "特定妊婦", "その他"],
        aliases: {
          要保護児童: "虐待",
          児童虐待: "虐待",
          要支援児童: "養護",
        },
      },
    ],
    periods: [["登録日", "終結日"]],
  },
  {
    id: "ichiji_hogo",
    name: "一時保護児童票",
    identify: {
      name: "氏名",
      birthDate: "生年月日",
    },
    eventDate: "保護開始日",
    columns: [
      {
        name: "氏名",
        type: "name",
        required: true,
      },
      {
        name: "氏名カナ",
        type: "kana",
      },
      {
        name: "生年月日",
        type: "date",
        required: true,
      },
      {
        name: "性別",
        type: "sex",
      },
      {
        name: "保護開始日",
        type: "date",
        required: true,
      },
      {
        name: "保護解除日",
        type: "date",
      },
    ],
    periods: [["保護開始日", "保護解除日"]],
  },
  {
    id: "nyuyoji_kenshin",
    name: "乳幼児健診",
    identify: {
      residentNo: "宛名番号",
    },
    eventDate: "受診日",
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
        required: true,
      },
      {
        name: "健診区分",
        type: "code",
        values: ["3-4か月児", "1歳6か月児", "3歳児"],
        aliases: {
          "3-4か月": "3-4か月児",
          "3か月児": "3-4か月児",
          "4か月児": "3-4か月児",
          "1歳6か月": "1歳6か月児",
          "1歳半": "1歳6か月児",
          "1歳半児": "1歳6か月児",
          "3歳": "3歳児",
        },
        required: true,
      },
      {
        name: "受診日",
        type: "date",
      },
      {
        name: "体重",
        type: "number",
        integer: false,
        min: 0,
        max: 50,
        units: ["kg"],
      },
      {
        name: "体重パーセンタイル",
        type: "number",
        integer: false,
        min: 0,
        max: 100,
        units: ["%"],
      },
      {
        name: "家に残して外出",
        type: "bool",
      },
      {
        name: "長時間食事を与えなかった",
        type: "bool",
      },
      {
        name: "口をふさいだ",
        type: "bool",
      },
      {
        name: "激しく揺さぶった",
        type: "bool",
      },
      {
        name: "虫歯数",
        type: "number",
        integer: true,
        min: 0,
        max: 20,
        units: ["本"],
      },
      {
        name: "母親の喫煙",
        type: "bool",
      },
      {
        name: "要フォロー",
        type: "bool",
      },
    ],
  },
  {
    id: "ninpu_kenshin",
    name: "妊婦健診",
    subject: "mother",
    motherChild: {
      childResidentNo: "子宛名番号",
      dueDate: "出産予定日",
    },
    identify: {
      residentNo: "母宛名番号",
    },
    eventDate: "妊娠届出日",
    columns: [
      {
        name: "母宛名番号",
        type: "id",
        required: true,
      },
      {
        name: "子宛名番号",
        type: "id",
      },
      {
        name: "妊娠届出日",
        type: "date",
        required: true,
      },
      {
        name: "出産予定日",
        type: "date",
        required: true,
      },
      {
        name: "受診回数",
        type: "number",
        integer: true,
        min: 0,
        max: 50,
        units: ["回"],
        required: true,
      },
    ],
  },
  {
    id: "sanpu_kenshin",
    name: "産婦健診",
    subject: "mother",
    motherChild: {
      childResidentNo: "子宛名番号",
      checkupDate: "健診日",
    },
    identify: {
      residentNo: "母宛名番号",
    },
    eventDate: "健診日",
    columns: [
      {
        name: "母宛名番号",
        type: "id",
        required: true,
      },
      {
        name: "子宛名番号",
        type: "id",
      },
      {
        name: "健診日",
        type: "date",
        required: true,
      },
      {
        name: "EPDS合計点",
        type: "number",
        integer: true,
        min: 0,
        max: 30,
        units: ["点"],
        required: true,
      },
      {
        name: "EPDS項目10",
        type: "number",
        integer: true,
        min: 0,
        max: 3,
        units: ["点"],
      },
    ],
  },
  {
    id: "shogai_techo",
    name: "障害者手帳",
    identify: {
      residentNo: "宛名番号",
    },
    eventDate: "交付日",
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
        required: true,
      },
      {
        name: "手帳種別",
        type: "code",
        values: ["身体", "療育", "精神"],
        aliases: {
          身体障害者手帳: "身体",
          療育手帳: "療育",
          精神障害者保健福祉手帳: "精神",
        },
        required: true,
      },
      {
        name: "等級",
        type: "text",
      },
      {
        name: "主たる精神障害コード",
        type: "icd10",
      },
      {
        name: "交付日",
        type: "date",
      },
      {
        name: "資格状態",
        type: "code",
        values: ["有効", "失効", "返還"],
        required: true,
      },
    ],
  },
  {
    id: "shogaiji_jukyusha",
    name: "障害児支援受給者証",
    identify: {
      residentNo: "宛名番号",
    },
    eventDate: "決定日",
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
        required: true,
      },
      {
        name: "受給者証番号",
        type: "id",
        required: true,
      },
      {
        name: "決定日",
        type: "date",
        required: true,
      },
      {
        name: "有効期間終了日",
        type: "date",
      },
    ],
    periods: [["決定日", "有効期間終了日"]],
  },
  {
    id: "seikatsu_hogo",
    name: "生活保護",
    identify: {
      residentNo: "宛名番号",
    },
    eventDate: "開始年月日",
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
        required: true,
      },
      {
        name: "保護世帯番号",
        type: "id",
      },
      {
        name: "開始年月日",
        type: "date",
        required: true,
      },
      {
        name: "廃止年月日",
        type: "date",
      },
    ],
    periods: [["開始年月日", "廃止年月日"]],
  },
  {
    id: "jido_fuyo",
    name: "児童扶養手当",
    identify: {
      residentNo: "受給者宛名番号",
    },
    eventDate: "認定日",
    columns: [
      {
        name: "受給者宛名番号",
        type: "id",
        required: true,
      },
      {
        name: "対象児童宛名番号",
        type: "id",
      },
      {
        name: "支給区分",
        type: "code",
        values: ["全部支給", "一部支給", "全部停止"],
        required: true,
      },
      {
        name: "認定日",
        type: "date",
      },
    ],
  },
  {
    id: "shugaku_enjo",
    name: "就学援助",
    identify: {
      residentNo: "宛名番号",
    },
    eventDate: null,
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
        required: true,
      },
      {
        name: "認定年度",
        type: "fiscal_year",
        required: true,
      },
      {
        name: "区分",
        type: "code",
        values: ["要保護", "準要保護"],
      },
    ],
  },
  {
    id: "kaigo_nintei",
    name: "要介護認定",
    identify: {
      residentNo: "宛名番号",
    },
    eventDate: "有効期間開始日",
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
        required: true,
      },
      {
        name: "要介護度",
        type: "code",
        values: ["要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5"],
        required: true,
      },
      {
        name: "有効期間開始日",
        type: "date",
      },
      {
        name: "有効期間終了日",
        type: "date",
      },
    ],
    periods: [["有効期間開始日", "有効期間終了日"]],
  },
  {
    id: "iryohi_josei",
    name: "医療費助成",
    identify: {
      residentNo: "宛名番号",
    },
    eventDate: "資格開始日",
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
        required: true,
      },
      {
        name: "助成種別",
        type: "code",
        values: ["ひとり親", "障がい者", "こども"],
        aliases: {
          ひとり親家庭: "ひとり親",
          ひとり親家庭等: "ひとり親",
          母子家庭: "ひとり親",
          父子家庭: "ひとり親",
          障害者: "障がい者",
          重度心身障害者: "障がい者",
          子ども: "こども",
          子供: "こども",
          乳幼児: "こども",
        },
        required: true,
      },
      {
        name: "資格開始日",
        type: "date",
      },
      {
        name: "資格終了日",
        type: "date",
      },
    ],
    periods: [["資格開始日", "資格終了日"]],
  },
  {
    id: "sodan_kiroku",
    name: "相談記録",
    identify: {
      residentNo: "宛名番号",
    },
    eventDate: "相談日",
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
      },
      {
        name: "世帯番号",
        type: "household_no",
      },
      {
        name: "相談日",
        type: "date",
        required: true,
      },
      {
        name: "相談分野",
        type: "code",
        values: ["児童虐待", "養護", "生活困窮", "障がい", "DV", "その他"],
        aliases: {
          虐待: "児童虐待",
          障害: "障がい",
        },
        required: true,
      },
    ],
    atLeastOne: [["宛名番号", "世帯番号"]],
  },
  {
    id: "hoiku_zaiseki",
    name: "保育所・幼稚園在籍",
    identify: {
      residentNo: "宛名番号",
    },
    eventDate: "入所日",
    columns: [
      {
        name: "宛名番号",
        type: "resident_no",
        required: true,
      },
      {
        name: "施設名",
        type: "text",
        required: true,
      },
      {
        name: "入所日",
        type: "date",
        required: true,
      },
      {
        name: "退所日",
        type: "date",
      },
    ],
    periods: [["入所日", "退所日"]],
  },
];
