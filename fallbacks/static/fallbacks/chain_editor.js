'use strict';
// The chain editors: add a row (its search opens at once), move a row up or down (buttons, or Alt+Up and
// Alt+Down anywhere in the row), and a search that leaves out the model group being edited and the targets
// already in the chain. Positions are plain number fields, so the page still works without this script; the
// script keeps them at 1, 2, 3, ...
{
    // Django's jQuery (with select2) is set up by scripts that may come after this one: looked up when needed.
    const jquery = () => window.django && window.django.jQuery;

    function renumber(rows) {
        rows.querySelectorAll(':scope > tr.chain-row').forEach((row, index) => {
            const position = row.querySelector('input[name$="-ORDER"]');
            if (position) {
                position.value = index + 1;
            }
        });
    }

    // The ids a search of this row must not offer: the group itself, and what the chain's other rows name.
    function excludedIds(select) {
        const editor = select.closest('.chain-editor');
        const ids = [];
        if (editor.dataset.sourceId) {
            ids.push(editor.dataset.sourceId);
        }
        editor.querySelectorAll('tbody.chain-rows select.chain-autocomplete').forEach((other) => {
            if (other !== select && other.value) {
                ids.push(other.value);
            }
        });
        return ids;
    }

    function startSearch(select) {
        const $ = jquery();
        if (!$ || !$.fn.select2 || $(select).data('select2')) {
            return;
        }
        $(select).select2({
            ajax: {
                traditional: true,  // exclude=1&exclude=2, as Django reads a repeated parameter
                data: (params) => ({
                    term: params.term,
                    page: params.page,
                    app_label: select.dataset.appLabel,
                    model_name: select.dataset.modelName,
                    field_name: select.dataset.fieldName,
                    exclude: excludedIds(select),
                }),
            },
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
        const select = row.querySelector('select.chain-autocomplete');
        if (select) {
            startSearch(select);
            const $ = jquery();
            if ($ && $(select).data('select2')) {
                $(select).select2('open');  // the search box opens with the cursor in it
            }
        }
        return row;
    }

    function moveRow(row, direction) {
        const rows = row.parentElement;
        if (direction === 'up' && row.previousElementSibling) {
            rows.insertBefore(row, row.previousElementSibling);
        } else if (direction === 'down' && row.nextElementSibling) {
            rows.insertBefore(row.nextElementSibling, row);
        } else {
            return false;
        }
        renumber(rows);
        return true;
    }

    function ready() {
        document.querySelectorAll('tbody.chain-rows select.chain-autocomplete').forEach(startSearch);
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
            button.focus();  // moving the row took the focus away: keep it on the button, to press it again
        }
    });

    document.addEventListener('keydown', (event) => {
        if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) {
            return;
        }
        const row = event.target.closest && event.target.closest('tbody.chain-rows > tr.chain-row');
        if (!row) {
            return;
        }
        event.preventDefault();
        const focused = document.activeElement;
        if (moveRow(row, event.key === 'ArrowUp' ? 'up' : 'down') && focused) {
            focused.focus();
        }
    });

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', ready);
    } else {
        ready();
    }
}
