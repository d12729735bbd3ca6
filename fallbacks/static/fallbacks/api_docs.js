'use strict';
// The API docs page (Swagger UI): its requests to this site say they come from this page (the header
// fallbacks.api.authentication.API_DOCS_HEADER), so that "Try it out" works with the admin session of a
// logged-in operator; Swagger UI itself adds the CSRF token to writes. Requests to other sites are left alone.
{
    const header = 'X-Fallbacks-Api-Docs';
    const originalFetch = window.fetch.bind(window);
    window.fetch = (input, init = {}) => {
        const url = new URL(typeof input === 'string' ? input : input.url, document.baseURI);
        if (url.origin !== window.location.origin) {
            return originalFetch(input, init);
        }
        const headers = new Headers(init.headers || (typeof input === 'string' ? undefined : input.headers));
        headers.set(header, '1');
        return originalFetch(input, {...init, headers});
    };
}
