"""Opens the nomination dossier the real `sovang` binary writes with an independent reader
(pypdf) and checks that its text holds, with every Vietnamese mark, the nominee, the evidence
of each criterion, the review's steps, the results and the decision, and that all the evidence
is printed: the JPEG photo as it is, PNG (transparent parts on white), GIF and WebP photos
re-encoded, an attached two-page PDF's pages after the dossier's own, and a damaged PDF named
with the reason it is not printed.
Usage: test_dossier_pdf.py PATH/TO/sovang"""

import os
import shutil
import tempfile

from pypdf import PdfReader

from cityfixture import CAMPAIGN, city_with_committee, put, run

EVIDENCE = ("Cứu người đuối nước ở hồ Tây lúc 22 giờ đêm mùa đông, rồi đưa nạn nhân đến bệnh viện "
            "Việt Đức kịp thời; được Ủy ban nhân dân phường Hoàn Kiếm khen thưởng. ") * 12


def main():
    tmp = tempfile.mkdtemp(prefix="sovang-pdf-")
    try:
        city, c = city_with_committee(tmp)
        p = put(city, "person", {"full_name": "Lê Thị Thu Hà", "unit": "00070", "birth_date": "12/03/2000"})["id"]
        n = put(city, "nomination", {"campaign_id": CAMPAIGN, "unit": "00070", "person_id": p, "year": 2026,
                                     "category": "cong_dong", "values": ["tien_phong"],
                                     "evidence": {"ban_linh": EVIDENCE.strip(), "suc_khoe": "Hoàn thành giải chạy Marathon Hà Nội 2026"}})["id"]
        here = os.path.dirname(os.path.abspath(__file__))
        photo = os.path.join(here, "photo.jpg")
        for name in ("photo.jpg", "evidence.png", "badge.gif", "scene.webp", "certificate.pdf", "damaged.pdf"):
            run(city, "attach", "nomination", n, os.path.join(here, name))
        run(city, "review", "submit", n)
        run(city, "review", "start", n)
        run(city, "review", "score", n, "--committee", c,
            "--points", "ban_linh=5,tri_thuc=4,ung_xu=5,tuan_thu=5,suc_khoe=4,ky_nang=4")
        run(city, "review", "decide", n, "--committee", c, "--outcome", "approved", "--for", "1",
            "--number", "12/QĐ-HĐXC", "--date", "25/11/2026")
        out = os.path.join(tmp, "hồ sơ.pdf")
        run(city, "review", "dossier", n, "--out", out)

        reader = PdfReader(out)
        text = "\n".join(page.extract_text() for page in reader.pages)
        flat = " ".join(text.split())
        assert len(reader.pages) >= 2, f"long evidence flows onto a second page ({len(reader.pages)})"
        for expected in ("HỒ SƠ ĐỀ CỬ", "Người được đề cử: Lê Thị Thu Hà", "Ngày sinh: 12/03/2000",
                         "Phường Hoàn Kiếm", "Bản lĩnh vững vàng", "Sức khỏe dồi dào",
                         "Hoàn thành giải chạy Marathon Hà Nội 2026", "Kỹ năng thành thạo",
                         "(không có minh chứng)", "Nháp → Đã nộp", "Đang xét chọn → Được chọn",
                         "Điểm trung bình 27,00", "Quyết định số 12/QĐ-HĐXC ngày 25/11/2026: Được chọn",
                         "Chủ tịch hội đồng: Nguyễn Văn Chủ"):
            assert expected in flat, f"{expected!r} not in the dossier's text:\n{text[:3000]}"
        assert flat.count("Ủy ban nhân dân phường Hoàn Kiếm") == 12, "the whole evidence, wrapped, not cut"
        for expected in ("photo.jpg", "evidence.png", "badge.gif", "scene.webp",
                         "certificate.pdf (in kèm ở cuối hồ sơ, 2 trang)",
                         "damaged.pdf (tệp PDF hỏng hoặc có mật khẩu, không in kèm)"):
            assert expected in flat, f"every attachment is named, with what became of it: {expected!r}"
        images = []
        for page in reader.pages:
            xobjects = page["/Resources"].get("/XObject", {})
            for ref in xobjects.values():
                x = ref.get_object()
                if x.get("/Subtype") == "/Image":
                    images.append(x)
        sizes = sorted((img["/Width"], img["/Height"]) for img in images)
        assert sizes == [(40, 40), (60, 30), (80, 40), (96, 64)], f"all four photos are printed: {sizes}"
        assert all("/DCTDecode" in str(img["/Filter"]) for img in images), [dict(i) for i in images]
        jpeg = next(i for i in images if (i["/Width"], i["/Height"]) == (96, 64))
        assert jpeg.get_data() == open(photo, "rb").read(), "the JPEG's own bytes, not a re-encoding"
        # The attached PDF's two pages come last, in order, after the dossier's own pages.
        tail = [" ".join(p.extract_text().split()) for p in reader.pages[-2:]]
        assert tail == ["CERTIFICATE OF MERIT - page 1 of 2", "CERTIFICATE OF MERIT - page 2 of 2"], tail
        assert "CERTIFICATE" not in " ".join(reader.pages[-3].extract_text().split()), "the dossier's pages first"
        print(f"dossier: {len(reader.pages)} pages (2 from the attached PDF), 4 photos, "
              "Vietnamese text read back by pypdf")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
