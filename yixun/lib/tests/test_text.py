from yixun.lib.text import pinyin_key


def test_a_roster_is_ordered_by_pinyin_not_by_code_point() -> None:
    names = ["张三", "李四", "王五", "阿强"]
    assert sorted(names, key=pinyin_key) == ["阿强", "李四", "王五", "张三"]
    assert sorted(names) != sorted(names, key=pinyin_key)  # code points would not do


def test_the_key_spells_the_name_in_pinyin_then_the_name_itself() -> None:
    assert pinyin_key("张三") == "zhang san 张三"


def test_names_that_sound_alike_are_still_told_apart_and_kept_together() -> None:
    names = ["张山", "赵一", "张三", "章三"]
    ordered = sorted(names, key=pinyin_key)
    assert ordered[-1] == "赵一"
    assert len({pinyin_key(name) for name in names}) == len(names)


def test_latin_names_sort_among_chinese_ones_by_their_letters() -> None:
    names = ["王五", "Mike", "阿强", "Zoe"]
    assert sorted(names, key=pinyin_key) == ["阿强", "Mike", "王五", "Zoe"]


def test_an_empty_name_has_a_key() -> None:
    assert pinyin_key("").strip() == ""


def test_traditional_full_width_and_case_come_out_the_same() -> None:
    from yixun.lib.text import normalise

    assert (
        normalise("ＶＸ：這個網站賣發票") == normalise("vx:这个网站卖发票") == "vx:这个网站卖发票"
    )
    assert normalise("  失蹤  兒童\n") == "失踪 儿童"
