// The printable report's "print" button (inline handlers are refused by the content security policy).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
