import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";

export type ServiceDialect = "sqlite" | "postgres";

/**
 * Service schema migrations, one list for both databases. Each step is written once with Kysely's
 * schema builder; only the few types that differ (binary, auto-increment, float) are chosen per
 * dialect. A step is never edited once shipped; add the next one.
 */
function steps(dialect: ServiceDialect): Record<string, Migration> {
  const blob = dialect === "postgres" ? sql`bytea` : sql`blob`;
  const float = dialect === "postgres" ? sql`double precision` : sql`real`;
  return {
    "0001_service": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("accounts")
          .addColumn("account_id", "text", (c) => c.primaryKey())
          .addColumn("resource_status", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("configurations")
          .addColumn("account_id", "text", (c) => c.primaryKey())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("access_keys")
          .addColumn("access_key_id", "text", (c) => c.primaryKey())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("secret_sealed", "text", (c) => c.notNull())
          .addColumn("read_only", "integer", (c) => c.notNull())
          .addColumn("description", "text")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("last_used_at", "bigint")
          .execute();
        await db.schema
          .createTable("resources")
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("resource_id", "text", (c) => c.notNull())
          .addColumn("region", "text", (c) => c.notNull())
          .addColumn("resource_type", "text", (c) => c.notNull())
          .addColumn("tags", "text", (c) => c.notNull())
          .addColumn("details", "text", (c) => c.notNull())
          .addColumn("scan_status", "text", (c) => c.notNull())
          .addColumn("scan_status_reason", "text", (c) => c.notNull())
          .addColumn("first_seen_at", "bigint", (c) => c.notNull())
          .addColumn("last_scanned_at", "bigint")
          .addColumn("active_findings", "integer", (c) => c.notNull())
          .addPrimaryKeyConstraint("resources_pk", ["account_id", "resource_id"])
          .execute();
        await db.schema
          .createTable("inventories")
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("resource_id", "text", (c) => c.notNull())
          .addColumn("content_hash", "text", (c) => c.notNull())
          .addColumn("body", blob, (c) => c.notNull())
          .addColumn("package_count", "integer", (c) => c.notNull())
          .addColumn("submitted_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("inventories_pk", ["account_id", "resource_id"])
          .execute();
        await db.schema
          .createTable("resource_packages")
          .addColumn("ecosystem", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("resource_id", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("resource_packages_pk", ["ecosystem", "name", "account_id", "resource_id"])
          .execute();
        await db.schema
          .createIndex("resource_packages_by_resource")
          .on("resource_packages")
          .columns(["account_id", "resource_id"])
          .execute();
        const findings = db.schema
          .createTable("findings")
          .addColumn("finding_arn", "text", (c) => c.primaryKey())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("resource_id", "text", (c) => c.notNull())
          .addColumn("resource_type", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("severity", "text", (c) => c.notNull())
          .addColumn("severity_rank", "integer", (c) => c.notNull())
          .addColumn("inspector_score", float, (c) => c.notNull())
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("vulnerability_id", "text", (c) => c.notNull())
          .addColumn("vulnerability_source", "text", (c) => c.notNull())
          .addColumn("vendor_severity", "text", (c) => c.notNull())
          .addColumn("package_name", "text", (c) => c.notNull())
          .addColumn("fix_available", "text", (c) => c.notNull())
          .addColumn("exploit_available", "text", (c) => c.notNull())
          .addColumn("epss_score", float, (c) => c.notNull())
          .addColumn("ecr_repository", "text", (c) => c.notNull())
          .addColumn("ecr_registry", "text", (c) => c.notNull())
          .addColumn("ecr_pushed_at", "bigint", (c) => c.notNull())
          .addColumn("network_protocol", "text", (c) => c.notNull())
          .addColumn("component_type", "text", (c) => c.notNull())
          .addColumn("first_observed_at", "bigint", (c) => c.notNull())
          .addColumn("last_observed_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addColumn("suppressed_by", "text")
          .addColumn("open", "integer", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull());
        await findings.execute();
        // The listing paths: by account and resource (the console's resource view and the
        // severity + resource filter), by account and severity, and by vulnerability (re-scoring).
        await db.schema
          .createIndex("findings_by_resource")
          .on("findings")
          .columns(["account_id", "resource_id", "severity_rank", "finding_arn"])
          .execute();
        await db.schema
          .createIndex("findings_by_severity")
          .on("findings")
          .columns(["account_id", "severity_rank", "finding_arn"])
          .execute();
        await db.schema
          .createIndex("findings_by_status")
          .on("findings")
          .columns(["account_id", "status", "severity_rank"])
          .execute();
        await db.schema
          .createIndex("findings_by_vulnerability")
          .on("findings")
          .column("vulnerability_id")
          .execute();
        await db.schema
          .createTable("filters")
          .addColumn("arn", "text", (c) => c.primaryKey())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("action", "text", (c) => c.notNull())
          .addColumn("criteria", "text", (c) => c.notNull())
          .addColumn("description", "text")
          .addColumn("reason", "text")
          .addColumn("tags", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addUniqueConstraint("filters_name_unique", ["account_id", "name"])
          .execute();
        await db.schema
          .createTable("reports")
          .addColumn("report_id", "text", (c) => c.primaryKey())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("format", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("criteria", "text", (c) => c.notNull())
          .addColumn("destination", "text", (c) => c.notNull())
          .addColumn("error_code", "text")
          .addColumn("error_message", "text")
          .addColumn("outputs", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("audit_log")
          .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("principal", "text", (c) => c.notNull())
          .addColumn("action", "text", (c) => c.notNull())
          .addColumn("target", "text", (c) => c.notNull())
          .addColumn("detail", "text", (c) => c.notNull())
          .addColumn("at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("audit_log_by_account")
          .on("audit_log")
          .columns(["account_id", "at"])
          .execute();
        await db.schema
          .createTable("service_state")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("value", "text", (c) => c.notNull())
          .execute();
      },
    },
    "0002_registries": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable("resources")
          .addColumn("monitored", "integer", (c) => c.notNull().defaultTo(1))
          .execute();
        await db.schema.alterTable("resources").addColumn("scan_status_detail", "text").execute();
        await db.schema
          .createTable("registries")
          .addColumn("registry_id", "text", (c) => c.primaryKey())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("url", "text", (c) => c.notNull())
          .addColumn("settings", "text", (c) => c.notNull())
          .addColumn("credentials_sealed", "text")
          .addColumn("webhook_token_hash", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("status_detail", "text")
          .addColumn("last_polled_at", "bigint")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addUniqueConstraint("registries_name_unique", ["account_id", "name"])
          .execute();
        await db.schema
          .createTable("registry_images")
          .addColumn("registry_id", "text", (c) => c.notNull())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("repository", "text", (c) => c.notNull())
          .addColumn("digest", "text", (c) => c.notNull())
          .addColumn("tags", "text", (c) => c.notNull())
          .addColumn("resource_ids", "text", (c) => c.notNull())
          .addColumn("pushed_at", "bigint", (c) => c.notNull())
          .addColumn("last_pulled_at", "bigint")
          .addColumn("last_scanned_at", "bigint")
          .addColumn("mode", "text", (c) => c.notNull())
          .addColumn("expired", "integer", (c) => c.notNull())
          .addPrimaryKeyConstraint("registry_images_pk", ["registry_id", "repository", "digest"])
          .execute();
        await db.schema
          .createTable("scan_jobs")
          .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("registry_id", "text", (c) => c.notNull())
          .addColumn("repository", "text", (c) => c.notNull())
          .addColumn("reference", "text", (c) => c.notNull())
          .addColumn("tag", "text")
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull())
          .addColumn("error", "text")
          .addColumn("not_before", "bigint", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("scan_jobs_by_state")
          .on("scan_jobs")
          .columns(["state", "not_before", "id"])
          .execute();
      },
    },
    "0003_hosts": {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable("access_keys").addColumn("host_id", "text").execute();
        await db.schema.alterTable("access_keys").addColumn("revoked_at", "bigint").execute();
        await db.schema
          .createTable("activations")
          .addColumn("activation_id", "text", (c) => c.primaryKey())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("code_hash", "text", (c) => c.notNull())
          .addColumn("description", "text")
          .addColumn("max_count", "integer", (c) => c.notNull())
          .addColumn("used_count", "integer", (c) => c.notNull())
          .addColumn("expires_at", "bigint", (c) => c.notNull())
          .addColumn("tags", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("hosts")
          .addColumn("host_id", "text", (c) => c.notNull())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("activation_id", "text")
          .addColumn("hostname", "text", (c) => c.notNull())
          .addColumn("machine_id", "text")
          .addColumn("agent_version", "text")
          .addColumn("registered_at", "bigint", (c) => c.notNull())
          .addColumn("last_seen_at", "bigint")
          .addColumn("last_sequence", "bigint", (c) => c.notNull())
          .addColumn("last_content_hash", "text")
          .addColumn("last_inventory_at", "bigint")
          .addColumn("facts", blob)
          .addColumn("collection", "text")
          .addColumn("rotate_requested", "integer", (c) => c.notNull())
          .addColumn("revoked_at", "bigint")
          .addPrimaryKeyConstraint("hosts_pk", ["account_id", "host_id"])
          .execute();
        await db.schema
          .createTable("agent_nonces")
          .addColumn("nonce", "text", (c) => c.primaryKey())
          .addColumn("host_id", "text", (c) => c.notNull())
          .addColumn("at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("agent_nonces_by_time").on("agent_nonces").column("at").execute();
        await db.schema
          .createTable("host_mounts")
          .addColumn("mount_id", "text", (c) => c.primaryKey())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("path", "text", (c) => c.notNull())
          .addColumn("host_id", "text", (c) => c.notNull())
          .addColumn("interval_minutes", "integer", (c) => c.notNull())
          .addColumn("last_scan_at", "bigint")
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("status_detail", "text")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
      },
    },
    "0004_network": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("network_models")
          .addColumn("account_id", "text", (c) => c.primaryKey())
          .addColumn("format", "text", (c) => c.notNull())
          .addColumn("documents", blob, (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("network_reachability")
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("host_key", "text", (c) => c.notNull())
          .addColumn("addresses", "text", (c) => c.notNull())
          .addColumn("open_ranges", "text", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("network_reachability_pk", ["account_id", "host_key"])
          .execute();
      },
    },
    "0005_integrations": {
      async up(db: Kysely<unknown>) {
        const id = (t: ReturnType<Kysely<unknown>["schema"]["createTable"]>) =>
          t.addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          );
        await db.schema
          .createTable("event_targets")
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("config", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("event_targets_pk", ["account_id", "name"])
          .execute();
        await db.schema
          .createTable("event_rules")
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("pattern", "text", (c) => c.notNull())
          .addColumn("targets", "text", (c) => c.notNull())
          .addColumn("enabled", "integer", (c) => c.notNull())
          .addColumn("description", "text")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("event_rules_pk", ["account_id", "name"])
          .execute();
        await db.schema
          .createTable("events")
          .addColumn("event_id", "text", (c) => c.primaryKey())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("detail_type", "text", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await id(db.schema.createTable("event_deliveries"))
          .addColumn("event_id", "text", (c) => c.notNull())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("rule_name", "text", (c) => c.notNull())
          .addColumn("target_name", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull())
          .addColumn("not_before", "bigint", (c) => c.notNull())
          .addColumn("last_error", "text")
          .addColumn("last_status", "integer")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addColumn("delivered_at", "bigint")
          .execute();
        await db.schema
          .createIndex("event_deliveries_due")
          .on("event_deliveries")
          .columns(["state", "not_before", "id"])
          .execute();
        await db.schema
          .createIndex("event_deliveries_by_account")
          .on("event_deliveries")
          .columns(["account_id", "state", "id"])
          .execute();
        await db.schema
          .createTable("organizations")
          .addColumn("org_id", "text", (c) => c.primaryKey())
          .addColumn("management_account_id", "text", (c) => c.notNull().unique())
          .addColumn("auto_enable", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("organization_accounts")
          .addColumn("account_id", "text", (c) => c.primaryKey())
          .addColumn("org_id", "text", (c) => c.notNull())
          .addColumn("joined_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("delegated_admins")
          .addColumn("org_id", "text", (c) => c.primaryKey())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("members")
          .addColumn("account_id", "text", (c) => c.primaryKey())
          .addColumn("admin_account_id", "text", (c) => c.notNull())
          .addColumn("relationship_status", "text", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("members_by_admin").on("members").columns(["admin_account_id"]).execute();
        // The audit log is append-only: the database itself refuses to change or remove a row.
        if (dialect === "postgres") {
          await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
            begin raise exception 'audit_log is append-only'; end $$`.execute(db);
          await sql`create trigger audit_log_no_update before update or delete on audit_log
            for each row execute function audit_log_append_only()`.execute(db);
        } else {
          await sql`create trigger audit_log_no_update before update on audit_log
            begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
          await sql`create trigger audit_log_no_delete before delete on audit_log
            begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
        }
      },
    },
    "0006_console": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("console_users")
          .addColumn("username", "text", (c) => c.primaryKey())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("role", "text", (c) => c.notNull())
          .addColumn("password_hash", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addColumn("disabled_at", "bigint")
          .execute();
        await db.schema
          .createTable("console_sessions")
          .addColumn("id_hash", "text", (c) => c.primaryKey())
          .addColumn("username", "text", (c) => c.notNull())
          .addColumn("csrf_token", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("last_seen_at", "bigint", (c) => c.notNull())
          .addColumn("expires_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("console_sessions_by_user")
          .on("console_sessions")
          .column("username")
          .execute();
        await db.schema
          .createTable("saved_views")
          .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("principal", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("query", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addUniqueConstraint("saved_views_principal_name", ["principal", "name"])
          .execute();
        await db.schema
          .createTable("finding_history")
          .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("finding_arn", "text", (c) => c.notNull())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("at", "bigint", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("change", "text", (c) => c.notNull())
          .addColumn("detail", "text")
          .execute();
        await db.schema
          .createIndex("finding_history_by_arn")
          .on("finding_history")
          .columns(["finding_arn", "at"])
          .execute();
      },
    },
    "0007_aggregation_indexes": {
      async up(db: Kysely<unknown>) {
        // The vulnerable package's layer (image layer digest or Lambda layer ARN): the
        // IMAGE_LAYER / LAMBDA_LAYER aggregation key. Backfilled from the stored finding.
        await db.schema
          .alterTable("findings")
          .addColumn("source_layer", "text", (c) => c.notNull().defaultTo(""))
          .execute();
        const at = (member: string) =>
          dialect === "postgres"
            ? sql`(body::jsonb) #>> ${`{packageVulnerabilityDetails,vulnerablePackages,0,${member}}`}`
            : sql`json_extract(body, ${`$.packageVulnerabilityDetails.vulnerablePackages[0].${member}`})`;
        await sql`update findings set source_layer = coalesce(${at("sourceLayerHash")}, ${at("sourceLambdaLayerArn")}, '')
          where resource_type in ('AWS_ECR_CONTAINER_IMAGE', 'AWS_LAMBDA_FUNCTION')`.execute(db);
        // ListFindingAggregations groups active findings of the caller's accounts by one of
        // these columns and counts severities, exploits and fixes: all of it read from this
        // index, never from the (wide) table rows.
        await db.schema
          .createIndex("findings_summary")
          .on("findings")
          .columns([
            "account_id",
            "status",
            "resource_type",
            "resource_id",
            "severity",
            "exploit_available",
            "fix_available",
            "type",
            "title",
            "vulnerability_id",
            "package_name",
            "ecr_repository",
            "source_layer",
          ])
          .execute();
        // Its first two columns serve every read findings_by_status served; kept both, planners
        // chose the narrower one for aggregations and read a million table rows.
        await db.schema.dropIndex("findings_by_status").execute();
        // The console's timeline: opened per day, closed per day, open now.
        await db.schema
          .createIndex("findings_by_first_observed")
          .on("findings")
          .columns(["account_id", "first_observed_at"])
          .execute();
        await db.schema
          .createIndex("findings_by_closing")
          .on("findings")
          .columns(["account_id", "open", "updated_at"])
          .execute();
      },
    },
    "0008_jobs": {
      async up(db: Kysely<unknown>) {
        // Leases: a job holds one on what must not be worked on twice at once (a repository's
        // image scans), renewed while it runs, so a dead worker's lease runs out.
        await db.schema
          .createTable("job_leases")
          .addColumn("lease_key", "text", (c) => c.primaryKey())
          .addColumn("holder", "text", (c) => c.notNull())
          .addColumn("expires_at", "bigint", (c) => c.notNull())
          .execute();
        // The embedded (SQLite) job queue. On PostgreSQL jobs live in pg-boss's own schema.
        if (dialect !== "sqlite") return;
        await db.schema
          .createTable("jobs")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("data", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("singleton_key", "text")
          .addColumn("retry_count", "integer", (c) => c.notNull())
          .addColumn("retry_limit", "integer", (c) => c.notNull())
          .addColumn("retry_delay", "integer", (c) => c.notNull())
          .addColumn("retry_backoff", "integer", (c) => c.notNull())
          .addColumn("expire_seconds", "integer", (c) => c.notNull())
          .addColumn("start_after", "bigint", (c) => c.notNull())
          .addColumn("started_at", "bigint")
          .addColumn("completed_at", "bigint")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("output", "text")
          .execute();
        await db.schema
          .createIndex("jobs_due")
          .on("jobs")
          .columns(["kind", "state", "start_after"])
          .execute();
        await db.schema
          .createIndex("jobs_by_key")
          .on("jobs")
          .columns(["kind", "singleton_key", "state"])
          .execute();
        await db.schema.createIndex("jobs_by_created").on("jobs").column("created_at").execute();
      },
    },
  };
}

class InlineProvider implements MigrationProvider {
  constructor(private readonly dialect: ServiceDialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return steps(this.dialect);
  }
}

/** Brings the service schema up to date; refuses a database migrated by newer code. */
export async function migrateService(
  db: Kysely<unknown>,
  dialect: ServiceDialect,
  label: string,
  /** Stop after this step (tests of a later step's data migration start from here). */
  upTo?: string,
): Promise<void> {
  const migrator = new Migrator({ db, provider: new InlineProvider(dialect) });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${label}: schema migration ${failed ?? ""} failed: ${reason}`.replace("  ", " "));
  }
}
