// PostgresStore: change notifications. This process's own changes run the callbacks on the
// changing thread (after commit); other processes' changes arrive through LISTEN on a background
// PgListener, started on the first registration. Notifications sent by this store's own
// connections are ignored there: they were already handled on the changing thread.
#include "store/postgres/postgres_store_impl.h"

namespace sigflow::store_postgres {

void PostgresStore::OnPipelinesChanged(std::function<void()> callback) {
  {
    std::lock_guard lock(callbacks_mu_);
    pipelines_callbacks_.push_back(std::move(callback));
  }
  StartListener();
}

void PostgresStore::OnExecutionsEnqueued(std::function<void()> callback) {
  {
    std::lock_guard lock(callbacks_mu_);
    executions_callbacks_.push_back(std::move(callback));
  }
  StartListener();
}

void PostgresStore::FirePipelinesChanged() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(callbacks_mu_);
    callbacks = pipelines_callbacks_;
  }
  for (const auto& callback : callbacks) callback();
}

void PostgresStore::FireExecutionsEnqueued() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(callbacks_mu_);
    callbacks = executions_callbacks_;
  }
  for (const auto& callback : callbacks) callback();
}

void PostgresStore::StartListener() {
  if (!options_.listen) return;
  std::lock_guard lock(listener_mu_);
  if (listener_) return;
  listener_ = std::make_unique<PgListener>(
      pool_.settings(), std::vector<std::string>{kPipelinesChannel, kExecutionsChannel}, options_,
      probe_, [this](std::string_view channel, int pid) { OnNotification(channel, pid); },
      [this] {
        FirePipelinesChanged();
        FireExecutionsEnqueued();
      });
}

void PostgresStore::OnNotification(std::string_view channel, int sender_pid) {
  if (pool_.OwnsBackend(sender_pid)) return;  // already fired on the thread that made it
  if (channel == kPipelinesChannel) {
    FirePipelinesChanged();
  } else if (channel == kExecutionsChannel) {
    FireExecutionsEnqueued();
  }
}

}  // namespace sigflow::store_postgres
