"""The message catalogue of import and layer validation: one template per code and language.

A problem, warning or offer of :mod:`songnan_geo.layers.importer` and :mod:`songnan_geo.layers.io` carries a
stable ``code`` and its parameters (values, names, numbers); its text is rendered in Chinese
(``zh``, the app's default) or English (``en``, the CLI's default and the text of ``str()``)
by the one message engine, :mod:`songnan_geo.text.messages` (templates and format specs are
described there). Every code has both languages (``tests/unit/test_importer.py`` renders each one).
"""
from __future__ import annotations

from dataclasses import dataclass

from songnan_geo.text import messages
from songnan_geo.text.messages import LANGS, Localised, render_from  # noqa: F401 (LANGS: API)

#: code → {"en": template, "zh": template}. Messages about a file read as the rest of
#: "<file>: …" in English; in Chinese they stand alone (the page names the file).
MESSAGES: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- framing
    "report_problems": {
        "en": "{n} problem(s); nothing can be stored:",
        "zh": "发现 {n} 个问题，不能保存：",
    },
    "report_note": {"en": "note: {text}", "zh": "提示：{text}"},
    "report_offer": {"en": "offer: {text}", "zh": "建议：{text}"},
    "validation_failed": {
        "en": "{n} problem(s) found; nothing was loaded:",
        "zh": "发现 {n} 个问题，未载入任何数据：",
    },
    "where_feature": {"en": "feature {feature}", "zh": "要素 {feature}"},
    "where_row": {"en": "feature {feature}", "zh": "{feature}"},
    "where_field": {"en": "field '{field}'", "zh": "字段“{field}”"},
    "feature_index": {"en": "#{index}", "zh": "#{index}"},
    "feature_index_id": {"en": "#{index} (id {id!r})", "zh": "#{index}（id {id!r}）"},
    "feature_row": {"en": "row {row}", "zh": "第 {row} 行"},

    # ---------------------------------------------------------------- the file
    "open_failed": {
        "en": "cannot be opened ({error}). Check the path and that the file can be read.",
        "zh": "文件无法打开（{error}）。请检查路径以及文件是否可读。",
    },
    "read_failed": {
        "en": "could not be read: the file has a structure the importer does not handle (the "
              "details are in the server log). Check the file in QGIS, or export it again as "
              "GeoJSON.",
        "zh": "文件无法读取：文件结构超出了导入程序能处理的范围（详细信息已记入服务器日志）。请在 QGIS "
              "中检查该文件，或重新导出为 GeoJSON。",
    },
    "too_big": {
        "en": "is {size_mb:.1f} MB; the size limit is {limit} ({limit_bytes} bytes, files of that "
              "size or more are refused). Split the file, or keep only the features and fields "
              "of this layer.",
        "zh": "文件大小为 {size_mb:.1f} MB，超过上限 {limit}（{limit_bytes} 字节，达到或超过此大小的"
              "文件不予接收）。请拆分文件，或只保留本图层的要素和字段。",
    },
    "empty": {
        "en": "is empty (no content). Choose the file again; if it is empty at the source, "
              "export the layer again.",
        "zh": "文件为空（没有内容）。请重新选择文件；如果源文件本身就是空的，请重新导出该图层。",
    },
    "bad_mode": {
        "en": "mode '{mode}' is not 'replace' or 'upsert'. Choose one of them.",
        "zh": "导入方式“{mode}”无效，只能是 'replace'（替换整个图层）或 'upsert'（按 id 更新或新增）。"
              "请选择其中之一。",
    },
    "bad_layer_name": {
        "en": "the new layer name '{name}' is not valid: use 2–40 lower-case letters, digits or "
              "underscores, starting with a letter (e.g. 'shops_2025').",
        "zh": "新图层名称“{name}”无效：请使用 2–40 个小写英文字母、数字或下划线，并以字母开头"
              "（例如 'shops_2025'）。",
    },
    "old_workbook": {
        "en": "is an old or non-Excel workbook ('{suffix}'). Save it as .xlsx (Excel 2007 or "
              "later) or as CSV UTF-8.",
        "zh": "这是旧版或非 Excel 格式的工作簿（“{suffix}”）。请另存为 .xlsx（Excel 2007 及以后版本）"
              "或 CSV UTF-8。",
    },
    "unsupported_format": {
        "en": "is not a supported format (suffix '{suffix}'). Upload GeoJSON, a zipped Shapefile, "
              "GeoPackage, KML, CSV or XLSX ({suffixes:list}).",
        "zh": "文件格式不受支持（后缀“{suffix}”）。请上传 GeoJSON、zip 压缩的 Shapefile、GeoPackage、"
              "KML、CSV 或 XLSX（{suffixes:list}）。",
    },
    "bare_shp": {
        "en": "is a bare .shp: a Shapefile needs its .shx, .dbf (and .prj) files. Put them all "
              "in one .zip and upload that.",
        "zh": "只有单独的 .shp 文件：Shapefile 还需要配套的 .shx、.dbf（以及 .prj）文件。请把这些文件"
              "一起压缩成一个 .zip 后上传。",
    },
    "encoding_failed": {
        "en": "cannot be read as {encoding} ({error}). Choose another encoding (UTF-8 or "
              "GBK/GB18030).",
        "zh": "无法按 {encoding} 编码读取（{error}）。请选择其他编码（UTF-8 或 GBK/GB18030）。",
    },
    "not_utf8_nor_gbk": {
        "en": "is not UTF-8 ({reason} at byte {byte}) nor GBK/GB18030. Save it as UTF-8 (in "
              "Excel: 另存为 → CSV UTF-8), or choose its encoding.",
        "zh": "文件既不是 UTF-8 编码（第 {byte} 字节：{reason}），也不是 GBK/GB18030 编码。请另存为 "
              "UTF-8（Excel 中：另存为 → CSV UTF-8），或手动选择文件编码。",
    },
    "not_utf8": {
        "en": "is not UTF-8 ({reason} at byte {byte}). Save it as UTF-8.",
        "zh": "文件不是 UTF-8 编码（第 {byte} 字节：{reason}）。请另存为 UTF-8。",
    },
    "file_not_found": {
        "en": "file not found at {path}. Restore it from the repository or remove the layer "
              "from manifest.json.",
        "zh": "在 {path} 找不到文件。请从代码仓库恢复该文件，或从 manifest.json 中删除该图层。",
    },
    "json_invalid": {
        "en": "is not valid JSON (line {line}, column {column}: {error}). Fix the syntax or "
              "export the layer again.",
        "zh": "不是有效的 JSON（第 {line} 行第 {column} 列：{error}）。请修正语法，或重新导出该图层。",
    },

    # ---------------------------------------------------------------- GeoJSON
    "bare_geometry": {
        "en": "is a bare {type} geometry; a layer needs Features with properties. Export the "
              "layer as a FeatureCollection.",
        "zh": "文件只是一个单独的 {type} 几何，而图层需要带属性的要素（Feature）。请将图层导出为 "
              "FeatureCollection。",
    },
    "crs_member_unknown": {
        "en": "has a 'crs' member that names no known CRS ({crs}). Remove it (RFC 7946 GeoJSON "
              "is WGS84) or name an EPSG code.",
        "zh": "文件的 'crs' 成员没有给出可识别的坐标参考系（{crs}）。请删除该成员（按 RFC 7946，"
              "GeoJSON 一律为 WGS84），或写明 EPSG 代码。",
    },
    "crs_not_wgs84": {
        "en": "declares CRS {name!r}; files in data/geo must be EPSG:4326 longitude/latitude. "
              "Reproject the file (e.g. gdf.to_crs(4326)) and remove the crs member.",
        "zh": "文件声明的坐标参考系为 {name!r}；data/geo 中的文件必须是 EPSG:4326 经纬度。请将文件"
              "重投影（例如 gdf.to_crs(4326)）并删除 crs 成员。",
    },
    "not_feature_collection": {
        "en": "is not a GeoJSON FeatureCollection. Export the layer as a FeatureCollection.",
        "zh": "文件不是 GeoJSON 要素集合（FeatureCollection）。请将图层导出为 FeatureCollection。",
    },
    "no_features_list": {
        "en": "has no 'features' list. Export the layer as a FeatureCollection with its "
              "features.",
        "zh": "文件没有 'features' 列表。请将图层连同要素导出为 FeatureCollection。",
    },
    "no_features": {
        "en": "has no features. Export the layer with its features.",
        "zh": "文件中没有要素。请连同要素一起导出该图层。",
    },
    "features_unreadable": {
        "en": "has features that cannot be read. Export the layer again.",
        "zh": "文件中有无法读取的要素。请重新导出该图层。",
    },

    # ---------------------------------------------------------------- zip archives
    "zip_unreadable": {
        "en": "is not a readable zip ({error}). Zip the Shapefile's files again.",
        "zh": "不是可读取的 zip 压缩包（{error}）。请重新压缩 Shapefile 的各个文件。",
    },
    "zip_too_many": {
        "en": "holds {count} files; at most {limit} are accepted. Zip only the layer's files.",
        "zh": "压缩包内有 {count} 个文件，最多只接受 {limit} 个。请只压缩本图层的文件。",
    },
    "zip_slip": {
        "en": "holds the member '{member}', a path that points outside the archive (absolute "
              "or with '../'). Refused: zip only the layer's files, without folders above them.",
        "zh": "压缩包内的“{member}”路径指向压缩包之外（绝对路径或含 '../'）。已拒绝：请只压缩图层"
              "文件本身，不要带上级文件夹。",
    },
    "zip_symlink": {
        "en": "holds the symbolic link '{member}'. Refused: zip the files themselves.",
        "zh": "压缩包内有符号链接“{member}”。已拒绝：请压缩文件本身。",
    },
    "zip_encrypted": {
        "en": "member '{member}' is encrypted. Upload an unencrypted zip.",
        "zh": "压缩包内的“{member}”已加密。请上传未加密的 zip。",
    },
    "zip_bomb_ratio": {
        "en": "member '{member}' would unpack from {packed} bytes to {unpacked} ({ratio}:1): a "
              "zip bomb. Refused (the limit is {limit}:1). Zip the layer's files normally.",
        "zh": "压缩包内的“{member}”解压后将从 {packed} 字节膨胀到 {unpacked} 字节（{ratio}:1），"
              "属于 zip 炸弹。已拒绝（压缩比上限为 {limit}:1）。请正常压缩图层文件后上传。",
    },
    "zip_too_large": {
        "en": "would unpack to {size_mb:.0f} MB; the limit is {limit_mb} MB unpacked. Refused "
              "(a zip bomb, or far too much data for one layer).",
        "zh": "解压后将达 {size_mb:.0f} MB，超过解压上限 {limit_mb} MB。已拒绝（可能是 zip 炸弹，"
              "或数据量远超一个图层所需）。请只压缩本图层的文件。",
    },
    "zip_member_grows": {
        "en": "member '{member}' unpacks to more than its header says, past {limit_mb} MB: a "
              "zip bomb. Refused.",
        "zh": "压缩包内的“{member}”解压后比文件头声明的更大，已超过 {limit_mb} MB，属于 zip 炸弹。"
              "已拒绝，请重新正常压缩图层文件。",
    },
    "zip_nested": {
        "en": "holds another archive ('{member}'). Refused: unpack it and zip the layer's files "
              "directly.",
        "zh": "压缩包内还有另一个压缩包（“{member}”）。已拒绝：请先解压，再直接压缩图层文件。",
    },
    "zip_no_shp": {
        "en": "holds no .shp file. A zipped Shapefile needs .shp, .shx, .dbf and .prj.",
        "zh": "压缩包内没有 .shp 文件。zip 压缩的 Shapefile 需要 .shp、.shx、.dbf 和 .prj 文件。",
    },
    "zip_no_shp_other": {
        "en": "holds no .shp file (it holds {files:list}: upload that file itself). A zipped "
              "Shapefile needs .shp, .shx, .dbf and .prj.",
        "zh": "压缩包内没有 .shp 文件（其中有 {files:list}：请直接上传该文件）。zip 压缩的 Shapefile "
              "需要 .shp、.shx、.dbf 和 .prj 文件。",
    },
    "shp_missing_parts": {
        "en": "Shapefile '{stem}.shp' lacks its {missing:and} file(s). Zip every file of the "
              "Shapefile (.shp, .shx, .dbf, .prj, .cpg).",
        "zh": "Shapefile“{stem}.shp”缺少 {missing:and} 文件。请把该 Shapefile 的全部文件"
              "（.shp、.shx、.dbf、.prj、.cpg）一起压缩。",
    },
    "shp_same_name": {
        "en": "holds two Shapefiles of the same name in different folders; keep one.",
        "zh": "压缩包的不同文件夹中有两个同名的 Shapefile；请只保留一个。",
    },
    "no_such_shapefile": {
        "en": "has no Shapefile '{name}'; it has {names:list}. Choose one of them.",
        "zh": "没有名为“{name}”的 Shapefile；现有：{names:list}。请从中选择。",
    },
    "shp_mixed_crs": {
        "en": "holds Shapefiles in different CRSs ({crs1} and {crs2}); export them in one CRS.",
        "zh": "压缩包内的 Shapefile 使用了不同的坐标参考系（{crs1} 和 {crs2}）；请统一导出为同一"
              "坐标参考系。",
    },

    # ---------------------------------------------------------------- KML, GeoPackage (GDAL)
    "kml_network_link": {
        "en": "holds a KML NetworkLink (data fetched from elsewhere). Refused: save the features "
              "themselves in the KML (Google Earth: 'Save Place As' on the folder).",
        "zh": "文件含有 KML 网络链接（NetworkLink，数据要从别处获取）。已拒绝：请把要素本身保存在 "
              "KML 中（Google Earth：在文件夹上选择“将位置另存为”）。",
    },
    "kml_entities": {
        "en": "declares XML entities. Refused (they can read local files or expand without "
              "bound); export the KML again.",
        "zh": "文件声明了 XML 实体。已拒绝（XML 实体可读取本机文件或无限膨胀）；请重新导出 KML。",
    },
    "gdal_unreadable": {
        "en": "cannot be read as {format} ({error}). Check that the file is complete, or export "
              "it again.",
        "zh": "无法按 {format} 格式读取（{error}）。请检查文件是否完整，或重新导出。",
    },
    "no_layer": {
        "en": "holds no layer. Export the layer with its features.",
        "zh": "文件中没有图层。请连同要素一起导出该图层。",
    },
    "no_such_sublayer": {
        "en": "has no layer '{name}'; it has {names:list}. Choose one of them.",
        "zh": "没有名为“{name}”的图层；现有：{names:list}。请从中选择。",
    },
    "sublayer_unreadable": {
        "en": "layer '{name}' cannot be read ({error}). Check the file, or export it again.",
        "zh": "图层“{name}”无法读取（{error}）。请检查文件，或重新导出。",
    },
    "sublayer_no_geometry": {
        "en": "layer '{name}' has no geometry. For a table with coordinates, upload it as CSV "
              "or XLSX and pick the longitude/latitude columns.",
        "zh": "图层“{name}”没有几何。如果是带坐标的表格，请以 CSV 或 XLSX 上传，并选择经度、纬度列。",
    },

    # ---------------------------------------------------------------- CSV, XLSX
    "duplicate_columns": {
        "en": "has the column name(s) {columns:list} more than once. Rename them.",
        "zh": "列名 {columns:list} 出现了不止一次。请重命名这些列。",
    },
    "csv_unreadable": {
        "en": "is not a readable CSV table ({error}). Check the separators and quotes, or save "
              "it again from Excel as CSV.",
        "zh": "不是可读取的 CSV 表格（{error}）。请检查分隔符和引号，或在 Excel 中重新另存为 CSV。",
    },
    "xlsx_unreadable": {
        "en": "cannot be read as an Excel workbook ({error}). Save it again as .xlsx.",
        "zh": "无法作为 Excel 工作簿读取（{error}）。请重新另存为 .xlsx。",
    },
    "xlsx_no_sheet": {
        "en": "has no worksheet. Add a sheet with the features' rows.",
        "zh": "工作簿中没有工作表。请添加一张包含要素各行的工作表。",
    },
    "no_such_sheet": {
        "en": "has no sheet '{name}'; it has {names:list}. Choose one of them.",
        "zh": "没有名为“{name}”的工作表；现有：{names:list}。请从中选择。",
    },
    "sheet_unreadable": {
        "en": "sheet '{name}' cannot be read ({error}). Save the workbook again as .xlsx.",
        "zh": "工作表“{name}”无法读取（{error}）。请将工作簿重新另存为 .xlsx。",
    },
    "table_no_rows": {
        "en": "has a header but no rows. Add the features' rows.",
        "zh": "表格只有表头，没有数据行。请添加要素各行。",
    },
    "no_such_column": {
        "en": "has no column '{column}' ({arg}); its columns are {columns:list}. Pick one of "
              "them.",
        "zh": "没有名为“{column}”的列（{arg}）；现有列：{columns:list}。请从中选择。",
    },
    "wkt_invalid": {
        "en": "{value:val} is not a WKT geometry (e.g. POINT (121.49 31.35)).",
        "zh": "{value:val} 不是 WKT 几何，请改为如 POINT (121.49 31.35) 的写法。",
    },
    "only_longitude": {
        "en": "has a longitude column ('{column}') but no latitude column was found or picked "
              "(columns: {columns:list}). Pick both.",
        "zh": "找到了经度列（“{column}”），但没有找到或选择纬度列（现有列：{columns:list}）。"
              "请同时选择经度列和纬度列。",
    },
    "only_latitude": {
        "en": "has a latitude column ('{column}') but no longitude column was found or picked "
              "(columns: {columns:list}). Pick both.",
        "zh": "找到了纬度列（“{column}”），但没有找到或选择经度列（现有列：{columns:list}）。"
              "请同时选择经度列和纬度列。",
    },
    "same_lonlat_column": {
        "en": "lon_col and lat_col are both '{column}'; pick two different columns.",
        "zh": "经度列（lon_col）和纬度列（lat_col）都是“{column}”；请选择两个不同的列。",
    },
    "not_a_number": {
        "en": "{value:val} is not a number. Use decimal degrees such as 121.4912 (no °, ′ or "
              "letters).",
        "zh": "{value:val} 不是数字。请使用十进制度数，如 121.4912（不带 °、′ 或字母）。",
    },
    "no_coordinate_columns": {
        "en": "has no longitude/latitude columns that could be recognised (columns: "
              "{columns:list}). Pick the longitude and latitude columns (or a WKT column).",
        "zh": "无法识别经度、纬度列（现有列：{columns:list}）。请选择经度列和纬度列（或一个 WKT 列）。",
    },

    # ---------------------------------------------------------------- CRS
    "crs_unknown": {
        # English: parse_coord_system's own message (it names the argument and the forms).
        "en": "{detail}",
        "zh": "坐标参考系“{spec}”无法识别：它既不是坐标基准（wgs84、gcj02、bd09）或 'cgcs2000'，"
              "也不是 pyproj 能识别的坐标参考系。请使用如 EPSG:4326、EPSG:4490 或 EPSG:4549 的写法。",
    },
    "crs_relabel": {
        "en": "declares {declared} but {chosen} was chosen. Leave the CRS on 'from the file', or "
              "fix the file's CRS: coordinates are never re-labelled.",
        "zh": "文件声明的坐标参考系是 {declared}，但选择的是 {chosen}。请把坐标参考系保留为“按文件自带”，"
              "或修正文件本身的坐标参考系：坐标不会被改标为另一坐标系。",
    },
    "no_crs": {
        "en": "has no CRS. Choose what its coordinates are: WGS84 (GPS, OpenStreetMap), GCJ-02 "
              "(Gaode/Amap, Tencent), BD-09 (Baidu), CGCS2000 or an EPSG code.",
        "zh": "文件没有坐标参考系。请选择坐标所属的坐标系：WGS84（GPS、OpenStreetMap）、GCJ-02"
              "（高德、腾讯）、BD-09（百度）、CGCS2000 或某个 EPSG 代码。",
    },
    "reproject_failed": {
        "en": "cannot be reprojected from {crs} to WGS84 ({error}). Check the CRS, or export "
              "the file in WGS84.",
        "zh": "无法从 {crs} 转换到 WGS84（{error}）。请检查坐标参考系，或将文件导出为 WGS84。",
    },

    # ---------------------------------------------------------------- layer rules (io.py)
    "not_a_feature": {
        "en": "is not a GeoJSON Feature. Each item of 'features' must be a Feature with "
              "geometry and properties.",
        "zh": "不是 GeoJSON 要素（Feature）。'features' 中的每一项都必须是带几何和属性的 Feature。",
    },
    "no_properties": {
        "en": "has no properties object. Give the feature its properties.",
        "zh": "要素没有属性对象（properties）。请为该要素补上属性。",
    },
    "field_missing": {
        "en": "is missing; every feature of this layer needs it.",
        "zh": "缺少该字段；本图层的每个要素都必须填写此字段。",
    },
    "extra_fields": {
        "en": "Additional properties are not allowed ({extras:reprs} {extras:were} unexpected). "
              "Remove the field(s) or add them to the layer's schema (tools/write_schemas.py).",
        "zh": "有本图层没有的字段（{extras:reprs}）。请删除这些字段，或将其加入图层的字段规则"
              "（schema，tools/write_schemas.py）。",
    },
    "value_type": {
        "en": "{value:val} is not of type {types:jtype}. Enter a value of that type.",
        "zh": "{value:val} 不是{types:jtype}。请填写{types:jtype}类型的值。",
    },
    "value_not_allowed": {
        "en": "{value:val} is not one of {allowed!r}. Use one of these values.",
        "zh": "{value:val} 不是允许的取值（{allowed:list}）。请使用其中之一。",
    },
    "value_pattern": {
        "en": "{value:val} does not match {pattern!r}. Use only what the pattern allows.",
        "zh": "{value:val} 不符合格式要求 {pattern!r}（正则表达式）。请改为符合该格式的值。",
    },
    "value_below_minimum": {
        "en": "{value:val} is less than the minimum of {limit!r}. Use a value of at least "
              "{limit}.",
        "zh": "{value:val} 小于最小值 {limit}。请填写不小于 {limit} 的值。",
    },
    "value_above_maximum": {
        "en": "{value:val} is greater than the maximum of {limit!r}. Use a value of at most "
              "{limit}.",
        "zh": "{value:val} 大于最大值 {limit}。请填写不大于 {limit} 的值。",
    },
    "value_not_above": {
        "en": "{value:val} is less than or equal to the minimum of {limit!r}. Use a value "
              "greater than {limit}.",
        "zh": "{value:val} 必须大于 {limit}。请填写大于 {limit} 的值。",
    },
    "value_not_below": {
        "en": "{value:val} is greater than or equal to the maximum of {limit!r}. Use a value "
              "less than {limit}.",
        "zh": "{value:val} 必须小于 {limit}。请填写小于 {limit} 的值。",
    },
    "text_empty": {
        "en": "{value:val} should be non-empty. Fill it in.",
        "zh": "{value:val} 不能为空。请填写内容。",
    },
    "text_too_short": {
        "en": "{value:val} is too short (at least {limit} characters). Complete it.",
        "zh": "{value:val} 太短（至少 {limit} 个字符）。请填写完整。",
    },
    "text_too_long": {
        "en": "{value:val} is too long (at most {limit} characters). Shorten it.",
        "zh": "{value:val} 太长（最多 {limit} 个字符）。请缩短。",
    },
    "schema_other": {
        # A rule no layer schema uses today: jsonschema's English text, marked in Chinese.
        "en": "{detail}. Change the value to follow the layer's schema.",
        "zh": "不符合图层字段规则（英文原文：{detail}）。请按图层的字段规则修改该值。",
    },
    "duplicate_id": {
        "en": "duplicates the id of feature #{other}; ids must be unique in a layer. Give each "
              "feature its own id.",
        "zh": "与要素 #{other} 的 id 重复；同一图层中的 id 必须唯一。请为每个要素使用不同的 id。",
    },
    "geometry_missing": {
        "en": "is missing (null). Give the feature a geometry, or remove it.",
        "zh": "几何缺失（null）。请为该要素补上几何，或删除该要素。",
    },
    "geometry_type": {
        "en": "has type {type!r}; this layer takes {allowed:or}. Import it into a layer of that "
              "kind, or convert the geometry.",
        "zh": "几何类型为 {type!r}，本图层只接受 {allowed:or}。请导入到相应几何类型的图层，"
              "或转换几何类型。",
    },
    "geometry_unreadable": {
        "en": "cannot be read ({error}). Check its coordinates.",
        "zh": "几何无法读取（{error}）。请检查其坐标。",
    },
    "geometry_empty": {
        "en": "is empty. Give the feature a geometry, or remove it.",
        "zh": "几何为空。请为该要素补上几何，或删除该要素。",
    },
    "geometry_not_finite": {
        "en": "has non-finite coordinates. Replace NaN/Infinity with real coordinates.",
        "zh": "坐标中有非有限数值（NaN 或无穷大）。请改为实际坐标。",
    },
    "geometry_invalid": {
        "en": "is invalid ({reason}). Repair it, e.g. with shapely.make_valid.",
        "zh": "几何无效（{reason}）。请修复几何，例如用 shapely.make_valid（导入时可勾选“修复无效几何”）。",
    },
    "outside_region": {
        "en": "has coordinates outside the Shanghai region (lon {lon_min}–{lon_max}, lat "
              "{lat_min}–{lat_max}): are they projected metres or lat/lon swapped?",
        "zh": "坐标超出上海地区范围（经度 {lon_min}–{lon_max}，纬度 {lat_min}–{lat_max}）：是否为投影坐标"
              "（米），或经纬度顺序颠倒？请检查坐标及其坐标参考系。",
    },
    "outside_town": {
        "en": "lies {dist_m:.0f} m outside the town boundary; layer '{layer}' holds only features "
              "inside 淞南镇. Check the coordinates (and their CRS), or import it into another "
              "layer.",
        "zh": "位于镇界以外 {dist_m:.0f} 米；图层“{layer}”只收录淞南镇范围内的要素。请检查坐标"
              "（及其坐标参考系），或导入到其他图层。",
    },

    # ---------------------------------------------------------------- warnings
    "read_as_gbk": {
        "en": "{file}: not UTF-8; read as GBK (GB18030), the usual encoding of Chinese Excel/WPS "
              "files. If the names look wrong, choose the encoding.",
        "zh": "{file}：不是 UTF-8 编码，已按 GBK（GB18030）读取——这是中文版 Excel/WPS 文件的常用编码。"
              "如果名称显示为乱码，请手动选择编码。",
    },
    "gpkg_many_tables": {
        "en": "{file}: holds {count} tables ({names:list}); read '{first}'. Choose another one "
              "if needed.",
        "zh": "{file}：包含 {count} 个数据表（{names:list}），已读取“{first}”。如需其他数据表，"
              "请另行选择。",
    },
    "near_town": {
        "en": "{feature} lies {dist_m:.0f} m outside the (estimated) town boundary.",
        "zh": "要素 {feature} 位于（估计的）镇界以外 {dist_m:.0f} 米。",
    },
    "repaired": {
        "en": "{n} invalid geometr(y/ies) repaired with make_valid.",
        "zh": "已用 make_valid 修复 {n} 个无效几何。",
    },
    "dropped_columns": {
        "en": "Dropped column(s) not in the layer: {columns:list}.",
        "zh": "已删除本图层没有的列：{columns:list}。",
    },

    # ---------------------------------------------------------------- offers
    "offer_encoding": {
        "en": "The file was read as GBK/GB18030; if Chinese text looks garbled, choose its "
              "encoding.",
        "zh": "文件已按 GBK/GB18030 编码读取；如果中文显示为乱码，请选择文件的实际编码。",
    },
    "offer_make_valid": {
        "en": "{n} feature(s) have invalid geometry (e.g. a self-intersecting outline). Repair "
              "them with make_valid?",
        "zh": "{n} 个要素的几何无效（例如边界自相交）。是否用 make_valid 修复？",
    },
    "offer_drop_extra": {
        "en": "Column(s) {columns:list} are not fields of layer '{layer}'. Drop them?",
        "zh": "列 {columns:list} 不是图层“{layer}”的字段。是否删除这些列？",
    },
    "offer_defaults": {
        "en": "Field(s) {fields:list} are missing or empty in some features. Give a value for "
              "the whole file (source, accuracy_m, estimated) or let ids be generated.",
        "zh": "部分要素缺少字段 {fields:list} 或其值为空。可为整个文件统一填写（来源 source、"
              "位置精度 accuracy_m、是否估计 estimated），或自动生成 id。",
    },
    "offer_convert_datum": {
        "en": "The features sit a median {median_m:.0f} m ({direction}) from {matched} — the "
              "offset {datum} coordinates have here. Read as {datum} they sit {fixed_m:.0f} m "
              "away. Convert from {datum} to WGS84?",
        "zh": "这些要素与{matched}的距离中位数为 {median_m:.0f} 米（{direction}），正是 {datum} 坐标"
              "在本地的偏移量。按 {datum} 读取时仅相距 {fixed_m:.0f} 米。是否从 {datum} 转换为 WGS84？",
    },
    "offset_direction": {
        "en": "{east_m:.0f} m {ew}, {north_m:.0f} m {ns}",
        "zh": "偏{ew} {east_m:.0f} 米、偏{ns} {north_m:.0f} 米",
    },
    "east": {"en": "east", "zh": "东"},
    "west": {"en": "west", "zh": "西"},
    "north": {"en": "north", "zh": "北"},
    "south": {"en": "south", "zh": "南"},
    "matched_id": {"en": "the stored features with the same id", "zh": "库中 id 相同的要素"},
    "matched_name": {"en": "the stored features with the same name", "zh": "库中名称相同的要素"},
    "matched_nearest": {"en": "the nearest stored stations/facilities",
                        "zh": "库中最近的车站/设施"},
    "datum_wgs84": {"en": "WGS84", "zh": "WGS84"},
    "datum_gcj02": {"en": "GCJ-02 (Gaode/Amap)", "zh": "GCJ-02（高德）"},
    "datum_bd09": {"en": "BD-09 (Baidu)", "zh": "BD-09（百度）"},

    # ---------------------------------------------------------------- hostile input (issue 11)
    "value_not_finite": {
        "en": "{value} is not a finite number (NaN, Infinity, or beyond ±1.8e308 such as 1e309); "
              "a layer holds only real numbers (strict JSON). Enter the real value, or leave it "
              "empty if it is unknown.",
        "zh": "{value} 不是有限数值（NaN、无穷大 Infinity，或超出 ±1.8e308 的数如 1e309）；图层只能"
              "保存实际数值（严格 JSON）。请填写实际数值；如未知请留空。",
    },
    "option_not_finite": {
        "en": "the value {value} given for every feature is not a finite number (NaN or "
              "Infinity). Give a real number, e.g. 30.",
        "zh": "为全部要素统一填写的值 {value} 不是有限数值（NaN 或无穷大）。请填写实际数值，例如 30。",
    },
    "path_not_found": {
        "en": "there is no file at {path}. Check the path and the file name.",
        "zh": "在 {path} 没有找到文件。请检查路径和文件名。",
    },
    "path_is_folder": {
        "en": "{path} is a folder, not a file. Give the file itself (e.g. the .geojson, or a .zip "
              "holding a Shapefile's .shp, .shx, .dbf and .prj).",
        "zh": "{path} 是一个文件夹，不是文件。请给出文件本身（例如 .geojson，或包含 Shapefile 的 "
              ".shp、.shx、.dbf、.prj 文件的 .zip 压缩包）。",
    },
    "path_no_permission": {
        "en": "cannot be read: permission denied for {path}. Copy the file somewhere you may "
              "read, or ask the administrator.",
        "zh": "无法读取：没有读取 {path} 的权限。请把文件复制到有读取权限的位置，或联系管理员。",
    },
    "zip_member_corrupt": {
        "en": "member '{member}' is damaged (its data fails the zip's check). Download or copy "
              "the file again, or zip the layer's files again.",
        "zh": "压缩包内的“{member}”已损坏（数据未通过压缩包的校验）。请重新下载或复制该文件，"
              "或重新压缩图层文件。",
    },
    "field_map_not_utf8": {
        "en": "holds '{member}' (the long field names) but it is not UTF-8 (byte {byte}). Save it "
              "as UTF-8, or remove it from the zip to keep the Shapefile's short field names.",
        "zh": "压缩包内的“{member}”（长字段名对照表）不是 UTF-8 编码（第 {byte} 字节）。请另存为 "
              "UTF-8，或将其从压缩包中删除以使用 Shapefile 的短字段名。",
    },
    "field_map_bad": {
        "en": "holds '{member}' but it is not a table with the columns 'short' and 'full'. Export "
              "the layer again, or remove '{member}' from the zip.",
        "zh": "压缩包内的“{member}”不是含“short”和“full”两列的对照表。请重新导出该图层，或将"
              "“{member}”从压缩包中删除。",
    },
    "field_map_reserved": {
        "en": "holds '{member}', which renames field '{short}' to '{full}', a name reserved for "
              "the geometry. Fix that line of '{member}', or remove it from the zip.",
        "zh": "压缩包内的“{member}”把字段“{short}”改名为“{full}”，而该名称专用于几何。请修改"
              "“{member}”中的这一行，或将其从压缩包中删除。",
    },
    "field_map_duplicate": {
        "en": "holds '{member}', which gives the name '{full}' to more than one field "
              "({shorts:list}). Give each field its own name in '{member}'.",
        "zh": "压缩包内的“{member}”把名称“{full}”同时给了多个字段（{shorts:list}）。请在"
              "“{member}”中为每个字段使用不同的名称。",
    },
    "json_too_deep": {
        "en": "is nested too deeply (brackets inside brackets, more than {limit} levels) to be a "
              "layer. Export the layer again as GeoJSON.",
        "zh": "文件的嵌套层级过深（括号套括号超过 {limit} 层），不可能是图层数据。请重新导出为 GeoJSON。",
    },
    "too_many_columns": {
        "en": "has {count} columns (fields); at most {limit} are accepted. Keep only the layer's "
              "columns (a layer has a few dozen fields) and import again.",
        "zh": "文件有 {count} 列（字段），最多只接受 {limit} 列。请只保留本图层需要的列（一个图层通常只有"
              "几十个字段）后重新导入。",
    },
    "xlsx_damaged": {
        "en": "is a damaged workbook: its part '{member}' fails the check every .xlsx carries. "
              "Download or copy it again, or open it in Excel/WPS and save it again as .xlsx.",
        "zh": "工作簿已损坏：其中的“{member}”部分未通过 .xlsx 文件自带的校验。请重新下载或复制该文件，"
              "或在 Excel/WPS 中打开后重新另存为 .xlsx。",
    },
    "reader_note": {
        "en": "{file}: the reader noted: {text}",
        "zh": "{file}：读取程序提示（英文原文）：{text}",
    },
}


def render(code: str, lang: str = "en", params: dict | None = None) -> str:
    """The text of message ``code`` in ``lang`` ('zh' or 'en') with ``params`` filled in.

    Raises KeyError naming the code (or language) when the catalogue lacks it.
    """
    return render_from(MESSAGES, "songnan_geo.text.import_messages.MESSAGES", code, lang, params)


@dataclass(frozen=True)
class Message(messages.Message):
    """A message of this catalogue by code and parameters; ``str()`` is the English text."""

    catalogue = MESSAGES
    catalogue_name = "songnan_geo.text.import_messages.MESSAGES"


def msg(code: str, **params) -> Message:
    """Shorthand: ``msg('no_crs')``, ``msg('too_big', size_mb=120.0, ...)``."""
    return Message(code, params)


@dataclass(frozen=True)
class FeatureRef(Localised):
    """Which feature a problem is about: its position (``index``, 0-based, with its ``id``)
    in a GeoJSON document, or its ``row`` in a table (1 = the header). ``str()`` is English:
    ``#3 (id 's_new')`` or ``row 2``."""

    index: int | None = None
    id: object = None
    row: int | None = None

    def text(self, lang: str = "en") -> str:
        if self.row is not None:
            return render("feature_row", lang, {"row": self.row})
        if self.id is None:
            return render("feature_index", lang, {"index": self.index})
        return render("feature_index_id", lang, {"index": self.index, "id": self.id})

    def __str__(self) -> str:
        return self.text("en")
