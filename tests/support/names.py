"""File names sellers and their tools really produce: Unicode, punctuation, spaces."""

SELLER_FILE_NAMES = [
    "name with spaces & ünïcode.jpg",
    "Größe.jpg",
    "café.jpg",
    "Men's shoe.jpg",
    "red, large.jpg",
    "#2.jpg",
    "赤いマグカップ.jpg",
    "产品图片.jpg",
]
