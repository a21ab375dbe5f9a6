export default function About() {
  return (
    <main>
      <h1 id="about">About</h1>
    </main>
  )
}
