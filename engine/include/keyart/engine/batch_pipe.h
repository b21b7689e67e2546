// Hands items from one producer thread to one consumer thread in batches
// through a bounded queue, in order (the simulator's parser and learners,
// the report pass's SQLite reader and its tables); run_pipelined() runs
// both sides. Items are objects reused from
// batch to batch (the producer overwrites a slot returned by next(), so
// their buffers keep their capacity). The producer blocks while `queued`
// batches wait; the consumer blocks while there is nothing to take.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace keyart::engine {

template <typename T>
class BatchPipe {
 public:
  BatchPipe(size_t batch, size_t queued) : batch_(batch), queued_(queued) {
    filling_.resize(batch_);
  }

  // Producer: the next slot to fill. The batch it belongs to is handed over
  // on the call after it is full, or by close().
  T& next() {
    if (count_ == batch_) hand_over();
    return filling_[count_++];
  }
  // Producer: hands over what is filled and ends the consumer's loop once
  // everything is consumed.
  void close() {
    if (count_ > 0) hand_over();
    std::lock_guard lock(mu_);
    closed_ = true;
    ready_.notify_one();
  }
  // Consumer: calls fn(items, count) on every batch, in order, until
  // close() and drained.
  template <typename Fn>
  void consume_batches(Fn&& fn) {
    for (;;) {
      Full full;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return !queue_.empty() || closed_; });
        if (queue_.empty()) return;
        full = std::move(queue_.front());
        queue_.pop_front();
      }
      space_.notify_one();
      fn(full.items.data(), full.count);
      std::lock_guard lock(mu_);
      spare_.push_back(std::move(full.items));
    }
  }
  // Consumer, when it stops early (an exception): the producer no longer
  // blocks, and what it fills is dropped.
  void abandon() {
    std::lock_guard lock(mu_);
    abandoned_ = true;
    space_.notify_all();
  }

 private:
  struct Full {
    std::vector<T> items;
    size_t count = 0;
  };
  void hand_over() {
    std::unique_lock lock(mu_);
    space_.wait(lock, [&] { return queue_.size() < queued_ || abandoned_; });
    if (abandoned_) {
      count_ = 0;
      return;
    }
    queue_.push_back({std::move(filling_), count_});
    if (!spare_.empty()) {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
    } else {
      filling_ = std::vector<T>(batch_);
    }
    count_ = 0;
    ready_.notify_one();
  }

  const size_t batch_, queued_;
  std::vector<T> filling_;  // producer only
  size_t count_ = 0;        // producer only
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<Full> queue_;
  std::vector<std::vector<T>> spare_;
  bool closed_ = false, abandoned_ = false;
};

// Runs produce(pipe) on the calling thread and consume(items, count) on a
// second thread for every batch, in order; returns when both are done. An
// exception from either side is rethrown here (the producer's first), after
// the other side has stopped.
template <typename T, typename Produce, typename Consume>
void run_pipelined(size_t batch, size_t queued, Produce&& produce, Consume&& consume) {
  BatchPipe<T> pipe(batch, queued);
  std::exception_ptr consumer_error;
  std::thread consumer([&] {
    try {
      pipe.consume_batches(consume);
    } catch (...) {
      consumer_error = std::current_exception();
      pipe.abandon();
    }
  });
  try {
    produce(pipe);
  } catch (...) {
    pipe.close();
    consumer.join();
    throw;
  }
  pipe.close();
  consumer.join();
  if (consumer_error) std::rethrow_exception(consumer_error);
}

}  // namespace keyart::engine
