"""Opens the nomination dossier the real `sovang` binary writes with an independent reader
(pypdf) and checks that its text holds, with every Vietnamese mark, the nominee, the evidence
of each criterion, the review's steps, the results and the decision, and that the attached JPEG
photo is printed in it.
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
        photo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "photo.jpg")
        run(city, "attach", "nomination", n, photo)
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
        assert "photo.jpg" in flat, "attachments are named"
        images = []
        for page in reader.pages:
            xobjects = page["/Resources"].get("/XObject", {})
            for ref in xobjects.values():
                x = ref.get_object()
                if x.get("/Subtype") == "/Image":
                    images.append(x)
        assert len(images) == 1, f"the JPEG photo is printed: {len(images)} images"
        img = images[0]
        assert (img["/Width"], img["/Height"]) == (96, 64) and "/DCTDecode" in str(img["/Filter"]), dict(img)
        assert img.get_data() == open(photo, "rb").read(), "the photo's own bytes, not a re-encoding"
        print(f"dossier: {len(reader.pages)} pages, Vietnamese text read back by pypdf")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
