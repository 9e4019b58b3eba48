// aznas-core book: a figure drawn larger than the column shows it opens at full size on click
// (its labels are readable there). Loaded by Jupyter Book from book/_static/.
window.addEventListener("load", () => {
  for (const img of document.querySelectorAll("article.bd-article .cell_output img")) {
    if (img.closest("a") || !img.naturalWidth) continue;
    if (img.naturalWidth < 1.3 * img.getBoundingClientRect().width) continue;
    const a = document.createElement("a");
    a.href = img.getAttribute("src");
    a.target = "_blank";
    a.title = "Open the figure at full size";
    a.className = "aznas-zoom";
    img.replaceWith(a);
    a.appendChild(img);
  }
});
