//! The vocabulary of the synthetic data set: names that read like Hà Nội's programme, chosen by
//! a seeded generator. Nothing here names a real person or business on purpose.

pub const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đào",
    "Trịnh",
];
pub const MIDDLE: &[&str] =
    &["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Thanh", "Xuân", "Kim", "Công"];
pub const GIVEN: &[&str] = &[
    "An", "Bình", "Chi", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai",
    "Minh", "Nam", "Nga", "Phúc", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Trang", "Tuấn", "Việt",
    "Yến", "Đạt", "Giang", "Huyền", "Lộc", "Nhung", "Oanh", "Quyên", "Toàn",
];

/// What a producer makes, for its name: "HTX {activity} {place}".
pub const ACTIVITIES: &[&str] = &[
    "Nông nghiệp",
    "Dịch vụ nông nghiệp",
    "Chăn nuôi",
    "Nuôi ong",
    "Sản xuất rau an toàn",
    "Gốm sứ",
    "Mây tre đan",
    "Chế biến nông sản",
    "Trồng chè",
    "Dược liệu",
    "Thủ công mỹ nghệ",
    "Làng nghề",
    "Trồng hoa",
    "Cây ăn quả",
];

pub const BRANDS: &[&str] = &[
    "Hồng Phát",
    "Thành Đạt",
    "An Khang",
    "Phú Gia",
    "Minh Long",
    "Hưng Thịnh",
    "Tân Tiến",
    "Đại Việt",
    "Sao Mai",
    "Kinh Bắc",
    "Thăng Long",
    "Hòa Bình",
    "Phúc Lộc",
    "Việt Hương",
    "Ngọc Lan",
    "Bảo An",
    "Trường Sơn",
    "Hoa Sen",
];

/// (sheet, weight per thousand products, product names, price range in thousand đồng, packaging)
/// What a cooperative or cooperative group making a sheet's products calls its trade.
pub fn trade(sheet: &str) -> &'static [&'static str] {
    match sheet {
        "01" => &["Nông nghiệp", "Sản xuất rau an toàn", "Dịch vụ nông nghiệp"],
        "02" => &["Chăn nuôi", "Chăn nuôi và thủy sản"],
        "03" => &["Sản xuất lúa gạo", "Nông nghiệp"],
        "04" => &["Nuôi ong"],
        "05" | "06" | "07" | "08" | "10" => &["Chế biến nông sản", "Chế biến thực phẩm"],
        "09" => &["Chế biến gia vị"],
        "11" | "12" => &["Trồng chè", "Chế biến chè"],
        "13" => &["Chế biến cà phê, ca cao"],
        "14" | "15" => &["Nấu rượu truyền thống"],
        "16" | "17" => &["Sản xuất đồ uống"],
        "18" | "19" | "20" => &["Dược liệu"],
        "21" => &["Thủ công mỹ nghệ", "Làng nghề"],
        "22" => &["Dệt lụa", "Thêu ren"],
        "23" | "24" | "25" => &["Sinh vật cảnh", "Hoa cây cảnh"],
        _ => &["Du lịch cộng đồng"],
    }
}

/// How a product of this name is sold when its sheet's packaging does not all fit it (eggs are
/// not sold by the litre, soap is not bottled).
pub fn packaging_of(name: &str) -> Option<&'static [&'static str]> {
    let fits: &[(&str, &[&str])] = &[
        ("Trứng", &["Hộp 10 quả", "Khay 30 quả"]),
        ("Sữa bò", &["Chai 1 lít", "Chai 500 ml"]),
        ("Cá rô", &["Túi hút chân không 1 kg", "Khay 500 g"]),
        ("Thịt lợn", &["Khay 500 g", "Túi hút chân không 1 kg"]),
        ("Rau", &["Túi 500 g", "Hộp 1 kg"]),
        ("Su su", &["Túi 500 g", "Túi 1 kg"]),
        ("Dưa muối", &["Hũ 500 g", "Túi 1 kg"]),
        ("Cao ", &["Lọ 250 g", "Hộp 10 gói"]),
        ("Viên", &["Hộp 100 viên", "Lọ 200 viên"]),
        ("Dầu gội", &["Chai 300 ml", "Chai 500 ml"]),
        ("Xà phòng", &["Bánh 100 g", "Hộp 3 bánh"]),
        ("Kem", &["Hũ 50 g", "Tuýp 100 g"]),
        ("Tinh dầu", &["Lọ 10 ml", "Chai 100 ml"]),
        ("Thuốc tắm", &["Túi 200 g", "Gói 500 g"]),
        ("Hoa hồng", &["Bó 20 cành"]),
        ("Hoa cúc", &["Bó 20 cành", "Chậu"]),
        ("Hoa lan", &["Chậu"]),
        ("Hoa đào", &["Chậu", "Cành"]),
        ("Cá Koi", &["Túi oxy"]),
        ("Chim", &["Lồng"]),
    ];
    fits.iter().find(|(start, _)| name.starts_with(start)).map(|(_, list)| *list)
}

pub struct SheetWords {
    pub sheet: &'static str,
    pub weight: u32,
    pub names: &'static [&'static str],
    pub price_k: (i64, i64),
    pub packaging: &'static [&'static str],
}

pub const SHEETS: &[SheetWords] = &[
    SheetWords {
        sheet: "01",
        weight: 80,
        names: &[
            "Bưởi Diễn",
            "Nhãn chín muộn",
            "Cam Canh",
            "Rau hữu cơ",
            "Chuối tiêu hồng",
            "Ổi lê",
            "Su su",
            "Thanh long ruột đỏ",
        ],
        price_k: (25, 120),
        packaging: &["Túi lưới 5 kg", "Hộp carton 10 kg", "Túi 500 g"],
    },
    SheetWords {
        sheet: "02",
        weight: 40,
        names: &["Trứng gà sạch", "Sữa bò tươi", "Cá rô đầu vuông", "Thịt lợn thảo dược", "Trứng vịt"],
        price_k: (30, 250),
        packaging: &["Hộp 10 quả", "Chai 1 lít", "Khay 500 g"],
    },
    SheetWords {
        sheet: "03",
        weight: 50,
        names: &["Gạo nếp cái hoa vàng", "Gạo Bắc thơm số 7", "Gạo hữu cơ", "Đậu tương", "Gạo nếp cẩm"],
        price_k: (25, 60),
        packaging: &["Túi 2 kg", "Túi 5 kg", "Bao 10 kg"],
    },
    SheetWords {
        sheet: "04",
        weight: 40,
        names: &["Mật ong hoa nhãn", "Mật ong rừng", "Mật ong hoa bạc hà", "Mật ong hoa vải"],
        price_k: (150, 450),
        packaging: &["Hũ thủy tinh 500 g", "Chai 1 lít", "Hũ 250 g"],
    },
    SheetWords {
        sheet: "05",
        weight: 30,
        names: &["Giò chả", "Nem chua", "Bánh cuốn", "Chả nướng"],
        price_k: (60, 280),
        packaging: &["Gói 500 g", "Hộp 1 kg"],
    },
    SheetWords {
        sheet: "06",
        weight: 100,
        names: &[
            "Bánh chưng",
            "Bánh dày",
            "Cốm làng Vòng",
            "Bún khô",
            "Miến dong",
            "Bánh đa nem",
            "Bánh tẻ",
            "Bánh gai",
        ],
        price_k: (20, 150),
        packaging: &["Gói 500 g", "Hộp 1 kg", "Túi hút chân không"],
    },
    SheetWords {
        sheet: "07",
        weight: 70,
        names: &["Nhãn sấy", "Mứt sen", "Tinh bột sắn dây", "Hạt sen sấy", "Chuối sấy dẻo", "Dưa muối"],
        price_k: (40, 300),
        packaging: &["Túi 250 g", "Hộp 500 g"],
    },
    SheetWords {
        sheet: "08",
        weight: 60,
        names: &["Giò lụa", "Chả cốm", "Ruốc cá", "Thịt bò khô", "Lạp xưởng"],
        price_k: (90, 450),
        packaging: &["Gói 500 g", "Hộp 200 g"],
    },
    SheetWords {
        sheet: "09",
        weight: 30,
        names: &["Tương nếp", "Giấm gạo", "Nước mắm cốt", "Tương Cự Đà"],
        price_k: (25, 90),
        packaging: &["Chai 500 ml", "Chai thủy tinh 1 lít"],
    },
    SheetWords {
        sheet: "10",
        weight: 30,
        names: &["Muối vừng", "Tỏi đen", "Gừng sấy", "Tinh nghệ"],
        price_k: (35, 400),
        packaging: &["Hũ 200 g", "Túi 100 g"],
    },
    SheetWords {
        sheet: "11",
        weight: 50,
        names: &["Chè búp khô", "Trà sen", "Chè xanh", "Trà móc câu"],
        price_k: (120, 1500),
        packaging: &["Hộp 200 g", "Túi 500 g", "Hộp quà"],
    },
    SheetWords {
        sheet: "12",
        weight: 50,
        names: &["Trà hoa cúc", "Trà xạ đen", "Trà túi lọc hoa hòe", "Trà gừng", "Trà hoa sen"],
        price_k: (60, 350),
        packaging: &["Hộp 20 túi lọc", "Hũ 100 g"],
    },
    SheetWords {
        sheet: "13",
        weight: 10,
        names: &["Cà phê rang xay", "Ca cao nguyên chất"],
        price_k: (150, 450),
        packaging: &["Túi 500 g", "Hộp 250 g"],
    },
    SheetWords {
        sheet: "14",
        weight: 40,
        names: &["Rượu làng Vân", "Rượu nếp cái", "Rượu ngô men lá"],
        price_k: (80, 400),
        packaging: &["Chai 500 ml", "Bình gốm 1 lít"],
    },
    SheetWords {
        sheet: "15",
        weight: 20,
        names: &["Rượu mơ", "Rượu vang nho", "Rượu chuối hột"],
        price_k: (120, 600),
        packaging: &["Chai 750 ml"],
    },
    SheetWords {
        sheet: "16",
        weight: 10,
        names: &["Nước uống đóng chai", "Nước khoáng thiên nhiên"],
        price_k: (5, 20),
        packaging: &["Chai 500 ml", "Bình 19 lít"],
    },
    SheetWords {
        sheet: "17",
        weight: 30,
        names: &["Nước ép bưởi", "Sữa đậu nành", "Nước sâm", "Sữa hạt sen"],
        price_k: (15, 60),
        packaging: &["Chai 330 ml", "Hộp 1 lít"],
    },
    SheetWords {
        sheet: "18",
        weight: 40,
        names: &["Cao xạ đen", "Viên tinh nghệ mật ong", "Cao ích mẫu", "Cao cà gai leo"],
        price_k: (150, 900),
        packaging: &["Hộp 100 viên", "Lọ 250 g"],
    },
    SheetWords {
        sheet: "19",
        weight: 20,
        names: &["Dầu gội bồ kết", "Xà phòng thảo dược", "Kem dưỡng nghệ"],
        price_k: (60, 350),
        packaging: &["Chai 300 ml", "Bánh 100 g"],
    },
    SheetWords {
        sheet: "20",
        weight: 20,
        names: &["Tinh dầu sả chanh", "Tinh dầu bưởi", "Thuốc tắm người Dao"],
        price_k: (50, 300),
        packaging: &["Lọ 10 ml", "Chai 100 ml", "Túi 200 g"],
    },
    SheetWords {
        sheet: "21",
        weight: 120,
        names: &[
            "Bình gốm men lam",
            "Ấm chén gốm",
            "Mây tre đan",
            "Tranh lụa",
            "Khảm trai",
            "Nón lá",
            "Quạt giấy",
            "Sơn mài",
            "Tượng gỗ",
            "Đèn lồng",
            "Lục bình gốm men rạn",
        ],
        price_k: (150, 12_000),
        packaging: &["Hộp gỗ", "Hộp carton có xốp", "Hộp quà"],
    },
    SheetWords {
        sheet: "22",
        weight: 40,
        names: &["Lụa tơ tằm", "Khăn lụa", "Áo dài lụa", "Tranh thêu tay"],
        price_k: (200, 4500),
        packaging: &["Hộp giấy", "Túi vải"],
    },
    SheetWords {
        sheet: "23",
        weight: 30,
        names: &["Hoa đào", "Hoa lan hồ điệp", "Hoa hồng", "Hoa cúc"],
        price_k: (50, 2500),
        packaging: &["Chậu", "Bó 20 cành"],
    },
    SheetWords {
        sheet: "24",
        weight: 20,
        names: &["Quất cảnh", "Bonsai", "Cây cảnh nghệ thuật"],
        price_k: (300, 15_000),
        packaging: &["Chậu sứ", "Chậu xi măng"],
    },
    SheetWords {
        sheet: "25",
        weight: 10,
        names: &["Cá Koi", "Chim cảnh"],
        price_k: (200, 5000),
        packaging: &["Túi oxy", "Lồng"],
    },
    SheetWords {
        sheet: "26",
        weight: 20,
        names: &["Du lịch cộng đồng làng nghề", "Điểm du lịch sinh thái", "Du lịch trải nghiệm nông nghiệp"],
        price_k: (50, 500),
        packaging: &["Vé trải nghiệm"],
    },
];

pub const REVOCATION_GROUNDS: &[&str] = &[
    "Sản phẩm không duy trì chất lượng như khi được công nhận (Điều 8 QĐ 26/2026)",
    "Vi phạm quy định về an toàn thực phẩm",
    "Chủ thể đề nghị thu hồi do ngừng sản xuất",
];

/// Old districts of Hà Nội where most OCOP producers are, with weights.
pub const DISTRICTS: &[(&str, u32)] = &[
    ("017", 9),
    ("018", 9),
    ("277", 8),
    ("276", 7),
    ("271", 8),
    ("016", 5),
    ("250", 4),
    ("278", 5),
    ("279", 5),
    ("280", 5),
    ("281", 5),
    ("282", 6),
    ("274", 5),
    ("275", 5),
    ("272", 4),
    ("273", 4),
    ("269", 4),
    ("020", 3),
    ("268", 3),
    ("019", 2),
    ("005", 1),
    ("006", 1),
];
