'use strict';
// The chain editor's buttons: add a row, move a row up or down. Positions are plain number
// fields, so the page still works without this script; the script keeps them at 1, 2, 3, ...
{
    function renumber(rows) {
        rows.querySelectorAll(':scope > tr.chain-row').forEach((row, index) => {
            const position = row.querySelector('input[name$="-ORDER"]');
            if (position) {
                position.value = index + 1;
            }
        });
    }

    function addRow(editor) {
        const prefix = editor.dataset.prefix;
        const total = editor.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
        const template = editor.querySelector('template.chain-empty-row');
        const rows = editor.querySelector('tbody.chain-rows');
        rows.insertAdjacentHTML('beforeend', template.innerHTML.replace(/__prefix__/g, total.value));
        total.value = Number(total.value) + 1;
        renumber(rows);
        const row = rows.lastElementChild;
        // Django's autocomplete.js turns the new row's select into a search box on this event.
        row.dispatchEvent(new CustomEvent('formset:added', {bubbles: true, detail: {formsetName: prefix}}));
        return row;
    }

    function moveRow(row, direction) {
        const rows = row.parentElement;
        if (direction === 'up' && row.previousElementSibling) {
            rows.insertBefore(row, row.previousElementSibling);
        } else if (direction === 'down' && row.nextElementSibling) {
            rows.insertBefore(row.nextElementSibling, row);
        }
        renumber(rows);
    }

    document.addEventListener('click', (event) => {
        const button = event.target.closest('button[data-chain-action]');
        if (!button) {
            return;
        }
        event.preventDefault();
        const action = button.dataset.chainAction;
        if (action === 'add') {
            addRow(button.closest('.chain-editor'));
        } else {
            moveRow(button.closest('tr.chain-row'), action);
            button.focus();
        }
    });
}
