"""Scrapy settings shared by every site; per-site values come from the site YAML (see crawler.runner).

Signaal's own settings are ``SIGNAAL_*``; components read them once in
``from_crawler``. Component order numbers leave gaps so a deployment can slot
its own component in between.
"""

BOT_NAME = "signaal"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
USER_AGENT = "signaal-crawler/0.1 (+research; contact: the operating police unit)"

ROBOTSTXT_OBEY = True
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening control port on a crawl node (Scrapy 2.19 opens one by default)
LOGSTATS_INTERVAL = 0  # our progress extension reports pages/s, ads and errors instead

# Politeness and robustness: every crawl takes these from its site YAML (crawler.config.Politeness, whose
# defaults are these polite values; crawler.site_settings), fast values are a site's explicit choice.
CONCURRENT_REQUESTS = 2
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 5_000_000
DOWNLOAD_WARNSIZE = 0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.CannotResolveHostError",
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    OSError,
    # A browser that crashed or a navigation that timed out: worth another try on a fresh page.
    "playwright._impl._errors.Error",
]
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
# A callback yields one item (detail) or one request (listing); Scrapy starts CONCURRENT_ITEMS asyncio
# workers per response, and the default 100 cost more CPU than parsing the page (docs/crawler.md).
CONCURRENT_ITEMS = 4
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.OriginGuardMiddleware": 50,
    "crawler.middlewares.RetryBackoffMiddleware": 60,
    "crawler.middlewares.BrowserSizeCapMiddleware": 950,
}

ITEM_PIPELINES = {
    "crawler.pipelines.images.ImageFetchPipeline": 100,
    "crawler.pipelines.evidence.EvidencePipeline": 200,
    "crawler.pipelines.normalize.NormalizePipeline": 300,
    "crawler.pipelines.versioning.VersioningPipeline": 400,
    "crawler.pipelines.scoring.ScoringPipeline": 500,
    "crawler.pipelines.jsonl.JsonLinesPipeline": 600,
    "crawler.pipelines.index.ElasticsearchPipeline": 700,
}

EXTENSIONS = {
    "crawler.extensions.ProgressExtension": 500,
    "crawler.extensions.MemoryGuardExtension": 510,
    "crawler.extensions.HeapTrimExtension": 520,
    "crawler.runstatus.RunStatusExtension": 530,
}

# Signaal settings (documented in docs/crawler.md).
# Directories: the setting, else the environment variable of the same name, else var/... (signaal.paths.crawl_dir)
SIGNAAL_STATE_DIR = None  # default var/crawl-state
SIGNAAL_EVIDENCE_DIR = None  # default var/evidence
SIGNAAL_WARC_MAX_BYTES = 100_000_000
SIGNAAL_TSA_URL = None  # RFC 3161 timestamp authority; also from the SIGNAAL_TSA_URL environment variable
SIGNAAL_SCORE = True
SIGNAAL_SCORE_BATCH = 64
SIGNAAL_SCORE_NLP_RELOAD_ADS = 5_000  # rebuild the scoring worker's spaCy pipelines after ~N ads (0 = never)
SIGNAAL_STATE_COMMIT_EVERY = 200  # state store writes per transaction ...
SIGNAAL_STATE_COMMIT_S = 1.0  # ... or seconds, whichever comes first
SIGNAAL_STATE_EXCLUSIVE = False  # SQLite exclusive locking: state on storage shared by machines (signaal schedule)
SIGNAAL_STATUS_INTERVAL = 5.0  # <state_dir>/<site>.status.json and the lease heartbeat (crawler.runstatus)
SIGNAAL_NODE_ID = None  # who crawls, in the lease and status file; default SIGNAAL_NODE_ID env or host name
SIGNAAL_OUT = None  # JSON Lines file for scored ads
SIGNAAL_INDEX = True
SIGNAAL_INDEX_BATCH = 500
SIGNAAL_INDEX_FLUSH_S = 2.0
SIGNAAL_INDEX_UNREACHABLE_S = 10.0  # give up on a batch after this long (it stays spooled for later)
SIGNAAL_SPOOL_DIR = None  # default var/spool
SIGNAAL_DETAIL_BATCH = 200  # detail pages handed to the scheduler at a time (bounded memory)
SIGNAAL_PROGRESS_INTERVAL = 5.0
SIGNAAL_MEMORY_LIMIT_MB = 1024  # crawler + browser processes
SIGNAAL_MEMORY_CHECK_S = 2.0
SIGNAAL_HEAP_TRIM_S = 30.0  # malloc_trim every N seconds (crawler.malloc); 0 = never
SIGNAAL_RETRY_BACKOFF_BASE_S = 0.25
SIGNAAL_RETRY_BACKOFF_MAX_S = 8.0
SIGNAAL_MAX_IMAGES_PER_AD = 10
SIGNAAL_IMAGE_DIR = None  # content-addressed photo copies for the UI; default var/images
