// Intrusive doubly-linked circular list: the kernel links its objects (threads, timeouts) through
// nodes embedded in them, so no list operation ever allocates and every unlink is O(1).
#pragma once
#include <cstddef>

namespace ward {

struct ListNode {
  ListNode* next = nullptr;
  ListNode* prev = nullptr;

  bool linked() const { return next != nullptr; }

  // Unlinks this node from whatever list holds it (no-op when unlinked).
  void unlink() {
    if (next != nullptr) {
      prev->next = next;
      next->prev = prev;
      next = prev = nullptr;
    }
  }
};

// A list head (sentinel). Nodes are linked before/after positions; the list never owns them.
class ListHead {
 public:
  ListHead() = default;
  // A head left all-zero, for objects that should live in .bss: call init() before first use.
  struct Deferred {};
  constexpr explicit ListHead(Deferred) : sentinel_{nullptr, nullptr} {}
  void init() { sentinel_.next = sentinel_.prev = &sentinel_; }
  ListHead(const ListHead&) = delete;
  ListHead& operator=(const ListHead&) = delete;
  ~ListHead() = default;

  bool empty() const { return sentinel_.next == &sentinel_; }
  ListNode* first() const { return empty() ? nullptr : sentinel_.next; }
  ListNode* last() const { return empty() ? nullptr : sentinel_.prev; }
  // The node after `n`, or nullptr at the end.
  ListNode* next(const ListNode* n) const { return n->next == &sentinel_ ? nullptr : n->next; }
  const ListNode* end() const { return &sentinel_; }

  void push_back(ListNode& n) { insert_before(sentinel_, n); }
  void push_front(ListNode& n) { insert_before(*sentinel_.next, n); }

  // Links `n` just before `pos` (pos may be the sentinel, i.e. the end).
  static void insert_before(ListNode& pos, ListNode& n) {
    n.next = &pos;
    n.prev = pos.prev;
    pos.prev->next = &n;
    pos.prev = &n;
  }
  void insert_before_end(ListNode& n) { insert_before(sentinel_, n); }

  // More than one node? (Only meaningful on a non-empty list.)
  bool has_several() const { return sentinel_.next != sentinel_.prev; }

  // Moves the first node to the back, on a list with at least two nodes; returns the new first.
  ListNode* rotate() {
    ListNode* first = sentinel_.next;
    ListNode* second = first->next;
    ListNode* last = sentinel_.prev;
    sentinel_.next = second;
    second->prev = &sentinel_;
    last->next = first;
    first->prev = last;
    first->next = &sentinel_;
    sentinel_.prev = first;
    return second;
  }
  ListNode& sentinel() { return sentinel_; }

 private:
  ListNode sentinel_{&sentinel_, &sentinel_};
};

// A list link carried as a tagged base class, so an object can sit in several lists (one per tag)
// and a node converts back to its object with a well-defined static_cast.
template <class Tag>
struct Linked : ListNode {};

template <class T, class Tag>
T* owner_of(ListNode* node) {
  return node == nullptr ? nullptr : static_cast<T*>(static_cast<Linked<Tag>*>(node));
}

}  // namespace ward
