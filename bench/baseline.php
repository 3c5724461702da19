<?php
// The plain PHP way, for `make bench`: the same RunCloud requests the extension
// makes (same endpoints, bodies and paging), sent the way a WordPress
// integration sends them through WordPress's HTTP API with the curl transport:
// a new curl handle, so a new TCP and TLS connection, for every request. No
// memory between calls, no batching, no parallel pages.

final class Plain_PHP_RunCloud
{
    public int $status_429 = 0;

    public function __construct(
        private string $api,   // https://host:port/api/v3
        private string $token,
        private int $server,
        private int $app,
        private string $ca,
    ) {}

    private function app_path(): string
    {
        return "{$this->api}/servers/{$this->server}/webapps/{$this->app}";
    }

    /** @return array{0: int, 1: mixed} status and decoded body */
    private function request(string $method, string $url, ?array $body = null, array $query = []): array
    {
        $h = curl_init($url . ($query ? '?' . http_build_query($query) : ''));
        curl_setopt_array($h, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FRESH_CONNECT => true,
            CURLOPT_FORBID_REUSE => true,
            CURLOPT_CAINFO => $this->ca,
            CURLOPT_TIMEOUT => 100,
            CURLOPT_HTTPHEADER => [
                'Authorization: Bearer ' . $this->token,
                'Accept: application/json',
                'Content-Type: application/json',
            ],
        ]);
        if ($body !== null) {
            curl_setopt($h, CURLOPT_POSTFIELDS, json_encode($body));
        }
        $raw = curl_exec($h);
        $status = (int) curl_getinfo($h, CURLINFO_RESPONSE_CODE);
        curl_close($h);
        if ($status === 429) {
            $this->status_429++;
        }
        return [$status, is_string($raw) ? json_decode($raw, true) : null];
    }

    /** Adds a name, then brings the app's SSL up to date: 4 requests in basic mode. */
    public function add(string $name, bool $www): void
    {
        $this->request('POST', $this->app_path() . '/domains', [
            'name' => $name, 'www' => $www, 'redirection' => $www ? 'non-www' : 'none', 'type' => 'alias',
        ]);
        [, $adv] = $this->request('GET', $this->app_path() . '/ssl/advanced');
        if (!empty(($adv['data'] ?? $adv)['advancedSSL'])) {
            return;
        }
        [, $ssl] = $this->request('GET', $this->app_path() . '/ssl');
        $id = ($ssl['data'] ?? $ssl)['id'] ?? null;
        if ($id) {
            $this->request('PUT', $this->app_path() . "/ssl/$id");
        }
    }

    /** A subdomain site's name: a wildcard on its parent is looked for first. */
    public function add_subdomain(string $name): void
    {
        $parent = substr($name, strpos($name, '.') + 1);
        $wild = $this->walk($parent, fn($d) => $d['name'] === "*.$parent" || ($d['name'] === $parent && !empty($d['wildcard'])));
        if ($wild === null) {
            $this->add($name, false);
        }
    }

    /** Removes a name: every page, one after another, until it is found. */
    public function remove(string $name): bool
    {
        $d = $this->walk($name, fn($d) => $d['name'] === $name);
        if ($d === null) {
            return false;
        }
        [$status] = $this->request('DELETE', $this->app_path() . '/domains/' . $d['id']);
        return $status < 300;
    }

    public function find(string $name): ?array
    {
        return $this->walk($name, fn($d) => $d['name'] === $name);
    }

    private function walk(string $search, callable $match): ?array
    {
        for ($page = 1; $page <= 400; $page++) {
            [, $body] = $this->request('GET', $this->app_path() . '/domains', null, ['page' => $page, 'perPage' => 40, 'search' => $search]);
            foreach ($body['data'] ?? [] as $d) {
                if ($match($d)) {
                    return $d;
                }
            }
            $last = $body['meta']['pagination']['total_pages'] ?? $body['meta']['lastPage'] ?? null;
            if (empty($body['data']) || ($last !== null && $page >= $last)) {
                return null;
            }
        }
        return null;
    }
}
