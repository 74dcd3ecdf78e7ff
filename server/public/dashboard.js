// Quick ranges for the team dashboard: fill the from/to fields and submit the form.
// Loaded as a same-origin script so the page's CSP can forbid inline scripts.
'use strict';
document.querySelectorAll('button[data-days]').forEach((button) => {
  button.addEventListener('click', () => {
    const form = button.closest('form');
    const days = Number(button.dataset.days);
    const to = new Date();
    const from = new Date(to.getTime() - (days - 1) * 86400000);
    const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    form.elements.from.value = iso(from);
    form.elements.to.value = iso(to);
    form.submit();
  });
});
