package contact

import "math"

// forbidden is the cost of a pair outside the gate.
const forbidden = 1e12

// solver solves rectangular assignment problems: n rows (detections or
// tracks) against m columns (AIS vessels), each row either assigned to one
// column or left unassigned at cost miss[row]. It is the shortest
// augmenting path method of Jonker and Volgenant with dual potentials,
// O(n²(n+m)) per problem; association splits a scan into the connected
// components of its gate graph first, so the problems stay small. Its
// buffers are reused between calls.
type solver struct {
	u, v, minv []float64
	p, way     []int
	used       []bool
}

// solve assigns the rows: cost(i, j) for i < n, j < m is the cost of row i
// taking column j (forbidden outside the gate), miss[i] the cost of leaving
// row i unassigned. It returns for each row its column, or -1.
func (s *solver) solve(n, m int, cost func(i, j int) float64, miss []float64, out []int) []int {
	// Augment the columns with one private "unassigned" column per row:
	// column m+i is open to row i only, at miss[i].
	cols := m + n
	c := func(i, j int) float64 {
		v := forbidden
		if j < m {
			v = cost(i, j)
		} else if j-m == i {
			v = miss[i]
		}
		if !(v > -forbidden && v < forbidden) { // NaN and infinities too
			return forbidden
		}
		return v
	}
	s.u = grow(s.u, n+1)
	s.v = grow(s.v, cols+1)
	s.minv = grow(s.minv, cols+1)
	s.p = growInt(s.p, cols+1)
	s.way = growInt(s.way, cols+1)
	if cap(s.used) < cols+1 {
		s.used = make([]bool, cols+1)
	}
	s.used = s.used[:cols+1]
	u, v, minv, p, way, used := s.u, s.v, s.minv, s.p, s.way, s.used
	clear(u)
	clear(v)
	clear(p)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta, j1 := math.Inf(1), 0
			for j := 1; j <= cols; j++ {
				if used[j] {
					continue
				}
				cur := c(i0-1, j-1) - u[i0] - v[j]
				if cur < minv[j] {
					minv[j] = cur
					way[j] = j0
				}
				if minv[j] < delta {
					delta = minv[j]
					j1 = j
				}
			}
			for j := 0; j <= cols; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	out = growInt(out, n)
	for i := range out {
		out[i] = -1
	}
	for j := 1; j <= m; j++ {
		if p[j] != 0 && c(p[j]-1, j-1) < forbidden {
			out[p[j]-1] = j - 1
		}
	}
	return out
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func growInt(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

// unionFind groups rows that share a candidate column.
type unionFind struct{ parent []int }

func (f *unionFind) reset(n int) {
	f.parent = growInt(f.parent, n)
	for i := range f.parent {
		f.parent[i] = i
	}
}

func (f *unionFind) find(i int) int {
	for f.parent[i] != i {
		f.parent[i] = f.parent[f.parent[i]]
		i = f.parent[i]
	}
	return i
}

func (f *unionFind) union(a, b int) {
	a, b = f.find(a), f.find(b)
	if a != b {
		f.parent[b] = a
	}
}
